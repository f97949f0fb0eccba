"""Touches: the ledger's record of one scored interaction, and withdrawals that take one back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Kind, Network, Retraction
from socialscore.domain.messages import Resolved
from socialscore.domain.permalink import link_of
from socialscore.domain.post import PostRef
from socialscore.domain.scoring_model import ScoringModel


@dataclass(frozen=True)
class Touch:
    """One scored interaction: the ledger's record, from which every aggregate can be rebuilt."""

    profile: str  # the actor's identity key, network#user_id
    dedupe_key: str
    interaction_id: str
    network: Network
    kind: Kind
    category: Category
    weight: float
    units: Decimal
    occurred_at: datetime
    post: str | None
    own_post: str | None  # the act's own post (a reply, a retweet): deleting it retracts the act
    seller_id: str | None
    team: str | None
    intent_hits: tuple[str, ...]
    model_version: str
    # The complaint phrases the act's own words hit (phrases, never the words); a complaint has
    # no intent hits, so it earns no intent bonus.
    complaint_hits: tuple[str, ...] = ()
    # The actor's follower count the provider reported with the act's own post; None: unknown.
    actor_followers: int | None = None


@dataclass(frozen=True)
class Withdrawal:
    """Takes back whatever act holds a ledger key, as of a time: what a `Retraction` message (an
    unlike, an unfollow), a deleted post or an erasure becomes in the ledger."""

    profile: str
    dedupe_key: str
    at: datetime


def dedupe_key(kind: Kind, post: str | None, interaction_id: str, model: ScoringModel) -> str:
    """The ledger key of an act for its profile. Once-only kinds (a like) count once per profile
    and post, whatever the event ids say; other acts once per interaction id."""
    if kind in model.once_per_post and post is not None:
        return f"once#{kind}#{post}"
    return f"i#{interaction_id}"


def touch_of(item: Resolved, model: ScoringModel) -> Touch:
    i = item.interaction
    post = item.target.ref.key if item.target else i.target_post
    weight = model.weight(i.category, i.kind, i.network, len(item.intent_hits))
    return Touch(
        profile=i.actor_key,
        dedupe_key=dedupe_key(i.kind, post, i.interaction_id, model),
        interaction_id=i.interaction_id,
        network=i.network,
        kind=i.kind,
        category=i.category,
        weight=weight,
        units=units(weight, i.occurred_at, model.half_life_seconds),
        occurred_at=i.occurred_at,
        post=post,
        own_post=i.own_post,
        seller_id=item.seller.seller_id if item.seller else None,
        team=item.seller.team if item.seller else None,
        intent_hits=tuple(item.intent_hits),
        model_version=model.version,
        complaint_hits=tuple(item.complaint_hits),
        actor_followers=item.actor_followers,
    )


def complaint_key(t: Touch) -> str:
    """A complaint's stable id, one per act: the Complaint event's `id` and its case's external
    id in the CRM."""
    return f"complaint#{t.profile}#{t.dedupe_key}"


def own_link(t: Touch) -> str | None:
    """A link to the act's own post made from its key (ids only: no handle is kept)."""
    return link_of(PostRef.from_key(t.own_post)) if t.own_post else None


def withdrawal_of(r: Retraction, model: ScoringModel) -> Withdrawal:
    return Withdrawal(
        r.actor_key, dedupe_key(r.kind, r.target_post, r.interaction_id, model), r.occurred_at
    )


def last_organic_touch(touches: Iterable[Touch]) -> datetime | None:
    """When the latest organic touch among these (counted ones: the ledger's `touches_of`)
    happened; None when there is none. A paid touch is no sign of organic interest: it never
    counts, however recent."""
    return max((t.occurred_at for t in touches if t.category is Category.ORGANIC), default=None)
