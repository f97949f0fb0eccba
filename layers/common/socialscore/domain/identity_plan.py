"""What the CRM's social fields change in the identity links (pure): links to make, links to take
off, and the doubtful matches that wait for a person instead.

A link the fields made (basis `crm_record`, or `reviewed` once a person approved it) follows the
fields: a field cleared or changed takes it off. A link an identify event or an import made is
the source's word, and a field never takes it off nor moves it. Doubtful, and never applied
without a person (the review queue):

- `claimed_by_several`: two contacts read in the same run name one X account;
- `would_move`: a contact names an account already linked to another contact;
- `no_longer_resolves`: a contact's field names a username X no longer answers (suspended,
  deleted, renamed away) while the contact has a field-made link the fields no longer name:
  perhaps that account, perhaps not.

Nothing is linked twice: an identity is linked to one contact at most, and one another contact
claims in the same run is linked to neither.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from socialscore.domain.interaction import LinkBasis, Network, identity_key
from socialscore.domain.social_fields import ContactFields

# The bases of links the CRM's fields made, which the fields may take off again.
FIELD_MADE = frozenset({LinkBasis.CRM_RECORD.value, LinkBasis.REVIEWED.value})


class Doubt(StrEnum):
    CLAIMED_BY_SEVERAL = "claimed_by_several"
    WOULD_MOVE = "would_move"
    NO_LONGER_RESOLVES = "no_longer_resolves"


@dataclass(frozen=True, order=True)
class Review:
    """A match waiting for a person: link `identity` to `contact_id` (or, for
    `no_longer_resolves`, take that link off)."""

    identity: str
    contact_id: str
    doubt: Doubt
    linked_to: str | None = None  # the contact the identity is linked to now, if any
    owner_id: str | None = None  # the contact's CRM owner, for the link if approved

    @property
    def key(self) -> str:
        return f"{self.identity}#{self.contact_id}"


@dataclass(frozen=True)
class CurrentLink:
    identity: str
    contact_id: str
    basis: str


@dataclass
class Plan:
    # (identity, contact, the contact's CRM owner)
    link: list[tuple[str, str, str | None]] = field(default_factory=list)
    unlink: list[tuple[str, str]] = field(default_factory=list)  # identity, contact it leaves
    reviews: list[Review] = field(default_factory=list)
    unresolved: int = 0  # usernames X did not answer with an account


def plan(
    contacts: list[ContactFields],
    ids: dict[str, str | None],
    linked: dict[str, CurrentLink],
    field_links: dict[str, list[CurrentLink]],
    rejected: set[str],
) -> Plan:
    """The changes `contacts` (read from the CRM) make.

    `ids`: username -> X user id (None: X answered no account); every username of `contacts` is
    in it. `linked`: the current link of every identity those ids make. `field_links`: each
    contact's field-made X links. `rejected`: the keys of reviews a person rejected, never
    queued again."""
    out = Plan()
    wanted: dict[str, list[ContactFields]] = defaultdict(list)  # identity -> contacts naming it
    for contact in contacts:
        for username in contact.usernames:
            user_id = ids[username]
            if user_id is None:
                out.unresolved += 1
            else:
                identity = identity_key(Network.X, user_id)
                if contact not in wanted[identity]:
                    wanted[identity].append(contact)
    for identity, claimants in sorted(wanted.items()):
        now = linked.get(identity)
        for contact in claimants:
            if now is not None and now.contact_id == contact.contact_id:
                continue  # linked already, whatever made it
            doubt = _doubt(now, contact, claimants)
            if doubt is None:
                out.link.append((identity, contact.contact_id, contact.owner_id))
            else:
                review = Review(
                    identity, contact.contact_id, doubt, now.contact_id if now else None,
                    contact.owner_id,
                )  # fmt: skip
                if review.key not in rejected:
                    out.reviews.append(review)
    for contact in contacts:
        named = {i for i, claimants in wanted.items() if contact in claimants}
        unresolved = any(ids[u] is None for u in contact.usernames)
        for link in field_links.get(contact.contact_id, []):
            if link.identity in named:
                continue
            if unresolved:  # a username X no longer answers: perhaps this account's
                review = Review(
                    link.identity, contact.contact_id, Doubt.NO_LONGER_RESOLVES,
                    contact.contact_id, contact.owner_id,
                )  # fmt: skip
                if review.key not in rejected:
                    out.reviews.append(review)
            else:  # the field was cleared, or names another account now
                out.unlink.append((link.identity, contact.contact_id))
    return out


def _doubt(
    now: CurrentLink | None, contact: ContactFields, claimants: list[ContactFields]
) -> Doubt | None:
    if len(claimants) > 1:
        return Doubt.CLAIMED_BY_SEVERAL
    if now is not None and now.contact_id != contact.contact_id:
        return Doubt.WOULD_MOVE
    return None


class Decision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReviewEntry:
    """A review as the queue keeps it: waiting, or decided (and when)."""

    review: Review
    status: Decision
    queued_at: str  # ISO 8601
    decided_at: str | None = None
