"""Activities: each counted interaction of a linked contact, as one entry on the person's record
in the CRM (a HubSpot timeline event, a Salesforce record, a Marketo custom activity), so a seller
opening the contact sees what the person did.

An activity is ids only: the network, the kind, a link to the brand's or seller's post built from
its key (domain.permalink.link_of: no handle in it), the seller credited, organic or paid, the
points it earned and whether it hit intent keywords or complaint phrases. Never the person's
words, never a handle. Its id is the interaction's id: pushing the same act again never makes a
second entry, and a retraction or an erasure names the entry to remove by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from pydantic import AwareDatetime, BaseModel, ConfigDict

from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.permalink import link_of
from socialscore.domain.post import PostRef
from socialscore.domain.touch import Touch


class Activity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str  # the interaction id: the entry's external id in the CRM
    contact_id: str  # the CRM contact (Marketo: lead) whose record holds it
    network: Network
    kind: Kind
    post_link: str | None  # the post it was made on, a link from ids; None: an account (follow)
    seller_id: str | None  # the seller credited (None: no registered seller's post)
    paid: bool  # a paid touch (never summed with organic ones)
    points: float  # what the scoring model gave the act (its weight, undecayed)
    intent: bool  # its words hit intent keywords (the keywords stay out: the flag alone)
    complaint: bool  # its words hit complaint phrases (a case is opened apart)
    occurred_at: AwareDatetime

    @classmethod
    def of(cls, touch: Touch, contact_id: str) -> Activity:
        return cls(
            id=touch.interaction_id,
            contact_id=contact_id,
            network=touch.network,
            kind=touch.kind,
            post_link=link_of(PostRef.from_key(touch.post)) if touch.post else None,
            seller_id=touch.seller_id,
            paid=touch.category is Category.PAID,
            points=round(touch.weight, 2),
            intent=bool(touch.intent_hits),
            complaint=bool(touch.complaint_hits),
            occurred_at=touch.occurred_at.astimezone(UTC),
        )


@dataclass(frozen=True)
class Removal:
    """An activity to take off a contact's record: its act was retracted (an unlike, a deleted
    reply) or its person erased. The CRM finds the entry by `id` (the interaction id); `contact_id`
    is the contact it was pushed to (where a CRM that cannot delete records the removal)."""

    id: str
    contact_id: str


_VERBS = {
    Kind.LIKE: "liked",
    Kind.SHARE: "shared",
    Kind.QUOTE: "quoted",
    Kind.COMMENT: "replied to",
    Kind.MENTION: "mentioned",
    Kind.FOLLOW: "followed",
    Kind.CLICK: "clicked",
}


def title(activity: Activity) -> str:
    """One line for a person: 'Liked a post on x (seller s-ana), organic, 3.0 points'."""
    what = "an account" if activity.post_link is None else "a post"
    seller = f" (seller {activity.seller_id})" if activity.seller_id else ""
    flags = "".join(
        [", intent" if activity.intent else "", ", complaint" if activity.complaint else ""]
    )
    category = "paid" if activity.paid else "organic"
    verb = _VERBS[activity.kind].capitalize()
    return (
        f"{verb} {what} on {activity.network.value}{seller}, {category}, "
        f"{activity.points:g} points{flags}"
    )
