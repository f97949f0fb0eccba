"""Aggregates of touches, coalesced per batch: one write per aggregate item (hot keys).

A viral post or a star seller takes thousands of touches a minute, and one DynamoDB item about
1,000 writes a second: a batch's deltas are summed per item before they are written, and post and
seller counters are spread over `COUNTER_SHARDS` items. How an aggregate is keyed in storage is
the store's business; here a key says only what it aggregates.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from socialscore.domain.decay import STORED_DIGITS, number
from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch

COUNTER_SHARDS = 8


@dataclass(frozen=True, order=True)
class ProfileTotal:
    """A profile's decayed units and touch count in one category."""

    profile: str
    category: Category


@dataclass(frozen=True, order=True)
class PostCounter:
    """One shard of a post's counters (`<category>_<kind>`)."""

    post: str
    shard: int


@dataclass(frozen=True, order=True)
class SellerCounter:
    """One shard of a seller's points and touches per category."""

    seller_id: str
    shard: int


AggregateKey = ProfileTotal | PostCounter | SellerCounter


@dataclass
class Aggregates:
    """All aggregate deltas of a group of touches."""

    counters: dict[AggregateKey, dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    teams: dict[SellerCounter, str] = field(default_factory=dict)

    def add(self, key: AggregateKey, name: str, amount: Decimal) -> None:
        with localcontext(STORED_DIGITS):
            self.counters[key][name] = self.counters[key].get(name, Decimal(0)) + amount


def shard_for(touches: list[Touch]) -> int:
    """Same touches, same shard: a retried batch lands where the first attempt would have."""
    seed = "".join(sorted(t.dedupe_key + t.profile for t in touches))
    return int(hashlib.sha256(seed.encode()).hexdigest(), 16) % COUNTER_SHARDS


def coalesce(adds: list[Touch], removes: list[Touch], shard: int | None = None) -> Aggregates:
    """The aggregate deltas of adding some touches and taking others back out, on `shard` of
    each post and seller (by default the one these touches hash to)."""
    agg = Aggregates()
    shard = shard_for(adds + removes) if shard is None else shard % COUNTER_SHARDS
    for sign, touches in ((Decimal(1), adds), (Decimal(-1), removes)):
        for t in touches:
            profile = ProfileTotal(t.profile, t.category)
            agg.add(profile, "units", sign * t.units)
            agg.add(profile, "touches", sign)
            if t.post is not None:
                agg.add(PostCounter(t.post, shard), f"{t.category}_{t.kind}", sign)
            if t.seller_id is not None and t.team is not None:
                seller = SellerCounter(t.seller_id, shard)
                agg.add(seller, f"{t.category}_points", sign * number(t.weight))
                agg.add(seller, f"{t.category}_touches", sign)
                agg.teams[seller] = t.team
    return agg
