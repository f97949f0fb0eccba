"""Scoring, pure: touches from resolved interactions, decayed units, per-batch coalescing.

Decay without read-modify-write (DESIGN property 2): a profile stores, per category,
S = sum(w_i * 2 ** ((t_i - T0) / h)); its score at time t is S * 2 ** (-(t - T0) / h).
Adding a touch is a commutative ADD, so late, concurrent and retried updates stay exact.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal, localcontext

from socialscore.domain.interaction import Category, Kind, Network, Retraction
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.resolution import Resolved
from socialscore.store.dynamo import number

# T0. A touch's units grow 2x per half-life after it; DynamoDB keeps 38 digits and a touch's units
# carry 15, so sums stay exact while touches lie within ~76 half-lives of T0 (6 years at 30 days).
# Rebase before then: pick a new T0 and rebuild the aggregates from the ledger.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DYNAMODB_DIGITS = Context(prec=38)
COUNTER_SHARDS = 8  # a viral post's counters spread over this many items


def units(weight: float, at: datetime, half_life_seconds: float) -> Decimal:
    """A touch's contribution to S. Rounded once, here, so that sums are exact in any order."""
    return number(weight * 2 ** ((at - EPOCH).total_seconds() / half_life_seconds))


def score_at(total_units: Decimal, at: datetime, half_life_seconds: float) -> float:
    return float(total_units) * 2 ** (-(at - EPOCH).total_seconds() / half_life_seconds)


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
    )


@dataclass(frozen=True)
class Retract:
    """Takes back whatever act holds a ledger key, as of a time (an unlike, a deleted reply)."""

    profile: str
    dedupe_key: str
    at: datetime


def retract_of(r: Retraction, model: ScoringModel) -> Retract:
    return Retract(
        r.actor_key, dedupe_key(r.kind, r.target_post, r.interaction_id, model), r.occurred_at
    )


def _later(a: Touch, b: Touch) -> bool:
    # At one instant, the report that knows the act's own post wins: its deletion can find it.
    return (a.occurred_at, a.category, a.interaction_id, a.own_post or "") > (
        b.occurred_at,
        b.category,
        b.interaction_id,
        b.own_post or "",
    )


@dataclass(frozen=True)
class Entry:
    """What the ledger holds for one key: the latest act and the latest retraction.

    Merging keeps the later of each, so any order, any duplication and any batching of the same
    acts and retractions ends in the same entry (a last-writer-wins set). The act counts while it
    is later than every retraction: like, unlike, like again counts once, whatever the order.
    """

    touch: Touch | None = None
    retracted_at: datetime | None = None

    @property
    def counted(self) -> Touch | None:
        if self.touch is None or (
            self.retracted_at and self.retracted_at >= self.touch.occurred_at
        ):
            return None
        return self.touch

    def merge(self, other: Entry) -> Entry:
        touch = self.touch
        if other.touch is not None and (touch is None or _later(other.touch, touch)):
            touch = other.touch
        stamps = [t for t in (self.retracted_at, other.retracted_at) if t is not None]
        return Entry(touch, max(stamps) if stamps else None)


Key = tuple[str, str]  # (profile, dedupe key)


def entries(events: list[Touch | Retract]) -> dict[Key, Entry]:
    """The events of a batch, merged per ledger key."""
    merged: dict[Key, Entry] = {}
    for e in events:
        key = (e.profile, e.dedupe_key)
        entry = Entry(e) if isinstance(e, Touch) else Entry(retracted_at=e.at)
        merged[key] = merged.get(key, Entry()).merge(entry)
    return merged


@dataclass
class Aggregates:
    """All aggregate deltas of a group of touches: one write per aggregate item (property 3)."""

    counters: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    teams: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, name: str, amount: Decimal) -> None:
        with localcontext(DYNAMODB_DIGITS):  # add as DynamoDB's ADD will: 38 digits
            self.counters[key][name] = self.counters[key].get(name, Decimal(0)) + amount


def profile_key(profile: str, category: Category) -> str:
    return f"profile#{profile}#{category}"


def shard_for(touches: list[Touch]) -> int:
    """Same touches, same shard: a retried batch lands where the first attempt would have."""
    seed = "".join(sorted(t.dedupe_key + t.profile for t in touches))
    return int(hashlib.sha256(seed.encode()).hexdigest(), 16) % COUNTER_SHARDS


def coalesce(adds: list[Touch], removes: list[Touch]) -> Aggregates:
    """The aggregate deltas of adding some touches and taking others back out."""
    agg = Aggregates()
    shard = shard_for(adds + removes)
    for sign, touches in ((Decimal(1), adds), (Decimal(-1), removes)):
        for t in touches:
            profile = profile_key(t.profile, t.category)
            agg.add(profile, "units", sign * t.units)
            agg.add(profile, "touches", sign)
            if t.post is not None:
                agg.add(f"post#{t.post}#shard#{shard}", f"{t.category}_{t.kind}", sign)
            if t.seller_id is not None and t.team is not None:
                key = f"seller#{t.seller_id}#shard#{shard}"
                agg.add(key, f"{t.category}_points", sign * number(t.weight))
                agg.add(key, f"{t.category}_touches", sign)
                agg.teams[key] = t.team
    return agg
