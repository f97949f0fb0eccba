"""Folding a closed day's rollup shards: each (day, dimension, name)'s shards (domain.rollups)
moved into one, the lowest present (the target), so a report reads one item where the score
stage's writes left up to eight.

Readers sum whatever shards exist, so a fold never changes a sum, and it must never let a reader
count a touch twice, even on an index whose items update independently (store.rollups). So a
fold is two steps, each exact on its own:
1. the other shards are deleted, each only while it holds exactly what was read, and their sums
   added, in the same transaction, to a pending item no reader reads;
2. the pending item's sums are added to the target and the pending item deleted (while it holds
   what was read), in one transaction.
Between the two a reader misses the moved shards (a report may miss a touch), never counts them
twice. A run that stops between them leaves the pending item: the next run finishes it first.

A late write to a folded day (a backfill, a retraction) creates a shard again by ADD, as on any
day: still summed right, one more item to read.

Here the pure part: which days, the plan of step 1 per name and how it groups into transactions;
`folded` applies a plan in memory (the property the tests hold it to).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

from socialscore.domain.decay import STORED_DIGITS
from socialscore.domain.rollups import ROLLUP_COUNTERS

# A day is closed once it ended a full day ago: touches still arrive late (a webhook retried, a
# poll's window), and a shard written after the fold is only one more item, but folding a day
# still being written would fold little.
CLOSED_AFTER_DAYS = 2
# A transaction holds at most 100 actions and 4 MB of items (docs.aws.amazon.com/amazondynamodb/
# latest/APIReference/API_TransactWriteItems.html): a rollup item is under 1 KB, so 100 are far
# under 4 MB; a name's step 1 is one update and a delete per other shard.
MAX_ACTIONS = 100

Counters = Mapping[str, Decimal]
Shards = Mapping[int, Counters]  # shard -> what it holds (its counters; the others ignored)
Expect = dict[str, Decimal | None]  # counter -> the value read (None: absent)


@dataclass(frozen=True)
class Move:
    """Step 1 of one name: delete `deletes` (each while it holds what it expects), their sums
    `moved` into the name's pending item, bound for `target`."""

    name: str
    target: int
    moved: dict[str, Decimal]  # no counter at 0
    deletes: tuple[tuple[int, Expect], ...]

    @property
    def actions(self) -> int:
        """The actions its transaction sends: the pending update only when something moves
        (the store reads a refused name from the cancellation reasons' places by these)."""
        return (1 if self.moved else 0) + len(self.deletes)


def days_to_fold(last_folded: date | None, today: date, oldest_back: int) -> list[str]:
    """The days a run folds, oldest first: those after the last folded whole (with none, from
    `oldest_back` days ago: older days are read only by a report asked far back, still right,
    just unfolded) up to the last closed day."""
    last = today - timedelta(days=CLOSED_AFTER_DAYS)
    first = today - timedelta(days=oldest_back) if last_folded is None else last_folded
    if last_folded is not None:
        first += timedelta(days=1)
    return [date.fromordinal(d).isoformat() for d in range(first.toordinal(), last.toordinal() + 1)]


def expected(held: Counters) -> Expect:
    """What a shard must still hold to be deleted: each counter as read, or absent."""
    return {n: held.get(n) for n in ROLLUP_COUNTERS}


def plan(shards: Mapping[str, Shards]) -> list[Move]:
    """Step 1 per name with more than one shard: the lowest shard stays, the others move."""
    moves = []
    for name, held in sorted(shards.items()):
        if len(held) < 2:
            continue
        target, *others = sorted(held)
        moves.append(
            Move(
                name,
                target,
                summed(held[s] for s in others),
                tuple((s, expected(held[s])) for s in others),
            )
        )
    return moves


def groups(moves: Iterable[Move], limit: int = MAX_ACTIONS) -> list[list[Move]]:
    """The moves in transactions of at most `limit` actions, in order (a name's never split: a
    name has at most COUNTER_SHARDS shards, far under the limit)."""
    out: list[list[Move]] = []
    size = limit
    for move in moves:
        if size + move.actions > limit:
            out.append([])
            size = 0
        out[-1].append(move)
        size += move.actions
    return out


def summed(items: Iterable[Counters]) -> dict[str, Decimal]:
    """Counters summed as DynamoDB's ADD sums them (38 digits), none at 0."""
    out: dict[str, Decimal] = {}
    with localcontext(STORED_DIGITS):
        for held in items:
            for n, v in held.items():
                if n in ROLLUP_COUNTERS:
                    out[n] = out.get(n, Decimal(0)) + v
    return {n: v for n, v in out.items() if v}
