"""Rollups: per UTC day, per seller, team, post and network, the touches that count, their points
and their kinds, organic and paid apart. The report, the leaderboard and `posts` read these for
their period instead of every touch of the ledger.

They are aggregates like a post's counters (domain.aggregates): moved in the very transaction
that writes the touch, by the difference between the old and the new counted touch, so a
replaced or withdrawn touch moves its delta out and each touch counts exactly once whatever the
arrival order. A day's item of a viral post would take every write of that post: like the
counters, each is spread over shards, the touch's own (aggregates.shard_of), and a reader sums
the shards.

`recompute` is the oracle: the rollups of a set of counted touches, shards summed. Whatever was
delivered, in whatever order, the stored rollups summed per (day, dimension, name) equal it over
the ledger's counted touches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal, localcontext
from enum import StrEnum

from socialscore.domain.decay import STORED_DIGITS, number
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.touch import Touch


class Dimension(StrEnum):
    SELLER = "seller"
    POST = "post"
    NETWORK = "network"


@dataclass(frozen=True, order=True)
class RollupKey:
    """One shard of one day's counters of a seller, a team, a post or a network."""

    day: str  # ISO date, UTC
    dimension: Dimension
    name: str  # the seller id, team, post key (network#post id) or network
    shard: int


# Each rollup item's counters and the count each follows (None: it is a count), as in
# domain.aggregates: points follow their category's touches.
ROLLUP_COUNTERS: dict[str, str | None] = {
    **{f"{c}_touches": None for c in Category},
    **{f"{c}_points": f"{c}_touches" for c in Category},
    **{f"{c}_{k}": None for c in Category for k in Kind},
}

Whole = tuple[str, Dimension, str]  # (day, dimension, name): a rollup with its shards summed
Rollups = dict[Whole, dict[str, Decimal]]


def day_of(t: Touch) -> str:
    return t.occurred_at.astimezone(UTC).date().isoformat()


def named(t: Touch) -> list[tuple[Dimension, str]]:
    """What a touch is rolled up under: its seller (on a seller's post; the seller's item
    carries the team, and a team's day is its sellers'), its post, its network (always: the
    day's totals are the networks' summed)."""
    out: list[tuple[Dimension, str]] = [(Dimension.NETWORK, t.network.value)]
    if t.post is not None:
        out.append((Dimension.POST, t.post))
    if t.seller_id is not None and t.team is not None:  # as the seller counters count them
        out.append((Dimension.SELLER, t.seller_id))
    return out


def keys_of(t: Touch, shard: int) -> list[RollupKey]:
    """A touch's rollup items, on `shard` (its counter shard: aggregates.shard_of)."""
    day = day_of(t)
    return [RollupKey(day, d, name, shard) for d, name in named(t)]


def counters(t: Touch, sign: Decimal) -> dict[str, Decimal]:
    """How one touch moves each of its rollups (sign -1: taken back out)."""
    c = t.category
    return {
        f"{c}_touches": sign,
        f"{c}_points": sign * number(t.weight),
        f"{c}_{t.kind}": sign,
    }


def recompute(touches: Iterable[Touch]) -> Rollups:
    """The rollups of these (counted) touches, shards summed, no counter at 0: the oracle the
    maintained rollups are checked against, and what a rebuild sets."""
    out: Rollups = defaultdict(dict)
    with localcontext(STORED_DIGITS):
        for t in touches:
            for key in keys_of(t, 0):
                sums = out[(key.day, key.dimension, key.name)]
                for name, amount in counters(t, Decimal(1)).items():
                    sums[name] = sums.get(name, Decimal(0)) + amount
    return dict(out)


def summed(items: Iterable[tuple[RollupKey, Mapping[str, Decimal]]]) -> Rollups:
    """Stored rollup items, their shards summed; counters at 0 (none is stored) left out."""
    out: Rollups = defaultdict(dict)
    with localcontext(STORED_DIGITS):
        for key, held in items:
            sums = out[(key.day, key.dimension, key.name)]
            for name, amount in held.items():
                if name in ROLLUP_COUNTERS:
                    sums[name] = sums.get(name, Decimal(0)) + amount
    return {
        k: {n: v for n, v in sums.items() if v} for k, sums in out.items() if any(sums.values())
    }


def days_between(first: date, last: date) -> list[str]:
    """Every ISO day from first to last, both included."""
    return [date.fromordinal(d).isoformat() for d in range(first.toordinal(), last.toordinal() + 1)]
