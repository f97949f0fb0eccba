"""One profile as an operator reads it: its scores now, its buckets, its identities and consent,
its last touches (kinds, posts, sellers; never text). It reads only what that person touches;
the views over the whole stack are the Snapshot's (snapshot.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from socialscore.aws import config
from socialscore.domain.interaction import Network
from socialscore.domain.owners import owner_of
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import standing
from socialscore.domain.touch import Touch
from socialscore.store.identities import crm_owner
from socialscore.wiring.reads import Stores
from socialscore_ops.stack import OpsError, Stack

LAST_TOUCHES = 10


def live_model(stack: Stack) -> ScoringModel:
    """The model the functions score with: the stack's SSM parameter, or the bundled one."""
    return config.scoring_model(stack.scoring_model_parameter)


def is_identity(value: str) -> bool:
    """`network#user` (x#123), as opposed to a CRM contact id."""
    network, sep, user = value.partition("#")
    return bool(sep and user) and network in set(Network)


# --- one profile ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TouchRow:
    occurred_at: datetime
    network: str
    kind: str
    category: str
    post: str | None
    seller_id: str | None
    points: float
    intent_hits: int  # how many of the model's intent words the act carried (never the text)


@dataclass(frozen=True)
class IdentityRow:
    identity: str
    consent_basis: str | None  # None: not linked (an anonymous profile)
    linked_at: str | None
    owner_id: str | None = None  # the contact's CRM owner, as this link named it


@dataclass(frozen=True)
class ProfileView:
    profile: str
    contact_id: str | None
    organic: float
    paid: float
    touches: int
    hot_since: str | None
    buckets: list[str]  # the scoring model's bucket names, in its order
    # Whom its hot lead or complaint would name now: {"type": crm_owner | seller | queue, "id"};
    # the queue's id is the stack's OwnerQueue parameter, which the CLI does not read.
    owner: dict[str, str]
    identities: list[IdentityRow]
    last_touches: list[TouchRow]


def profile(stack: Stack, who: str, as_of: datetime) -> ProfileView:
    """A contact (all its linked identities) or one identity; a linked identity is shown as its
    contact, whose scores it is part of."""
    stores = Stores(stack.table)
    identities = stores.identities
    contact = who
    if is_identity(who):
        link = identities.links([who]).get(who)
        contact = link.contact_id if link else ""
    mine = identities.identities_of(contact) if contact else [who]
    if contact and not mine:
        raise OpsError(f"no contact {contact} is linked to a social identity")
    links = identities.links(mine)
    stored = stores.scores.profile_units(mine)
    if not contact and not stored:
        raise OpsError(f"no profile {who}: nothing scored and no link")
    model = live_model(stack)
    touches = sorted((t for i in mine for t in stores.ledger.touches_of(i)), key=_newest)

    now = standing(stored, mine, as_of, model)
    return ProfileView(
        profile=who,
        contact_id=contact or None,
        organic=now.organic,
        paid=now.paid,
        touches=len(touches),
        hot_since=now.hot_since,
        buckets=list(now.buckets(model, touches)),
        owner=owner_of(crm_owner(links.values()), touches, "OwnerQueue").detail(),
        identities=[
            IdentityRow(i, links[i].consent_basis.value, links[i].linked_at, links[i].owner_id)
            if i in links
            else IdentityRow(i, None, None)
            for i in mine
        ],
        last_touches=[_row(t) for t in touches[:LAST_TOUCHES]],
    )


def _newest(t: Touch) -> tuple[float, str]:
    return (-t.occurred_at.timestamp(), t.dedupe_key)


def _row(t: Touch) -> TouchRow:
    return TouchRow(
        t.occurred_at,
        t.network.value,
        t.kind.value,
        t.category.value,
        t.post,
        t.seller_id,
        t.weight,
        len(t.intent_hits),
    )
