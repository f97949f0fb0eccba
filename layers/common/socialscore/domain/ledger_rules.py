"""The ledger's rules, pure: what one key holds, how reports merge, what a write must change.

The ledger holds, per (profile, dedupe key), a `LedgerEntry`: the latest act and the latest
withdrawal. Merging keeps the later of each, so any order, any duplication and any batching of
the same acts and withdrawals ends in the same entry (a last-writer-wins set). `plan` says which
entries a group of events changes, and `deltas` how the aggregates move for those changes: the
old counted touch out, the new one in. The store applies both in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import UTC, datetime

from socialscore.domain.aggregates import Aggregates, coalesce
from socialscore.domain.touch import Touch, Withdrawal

Key = tuple[str, str]  # (profile, dedupe key)
# A deleted post's acts are withdrawn for good: a deleted reply never comes back.
FOREVER = datetime.max.replace(tzinfo=UTC)


def _later(a: Touch, b: Touch) -> bool:
    # At one instant, the report that knows the act's own post wins: its deletion can find it.
    return (a.occurred_at, a.category, a.interaction_id, a.own_post or "") > (
        b.occurred_at,
        b.category,
        b.interaction_id,
        b.own_post or "",
    )


@dataclass(frozen=True)
class LedgerEntry:
    """What the ledger holds for one key: the latest act and the latest withdrawal.

    The act counts while it is later than every withdrawal: like, unlike, like again counts
    once, whatever the order.
    """

    touch: Touch | None = None
    withdrawn_at: datetime | None = None

    @property
    def counted(self) -> Touch | None:
        if self.touch is None or (
            self.withdrawn_at and self.withdrawn_at >= self.touch.occurred_at
        ):
            return None
        return self.touch

    def merge(self, other: LedgerEntry) -> LedgerEntry:
        touch = self.touch
        if other.touch is not None and (touch is None or _later(other.touch, touch)):
            touch = other.touch
        stamps = [t for t in (self.withdrawn_at, other.withdrawn_at) if t is not None]
        return LedgerEntry(touch, max(stamps) if stamps else None)


def entries(events: Iterable[Touch | Withdrawal]) -> dict[Key, LedgerEntry]:
    """The events of a batch, merged per ledger key."""
    merged: dict[Key, LedgerEntry] = {}
    for e in events:
        key = (e.profile, e.dedupe_key)
        entry = LedgerEntry(e) if isinstance(e, Touch) else LedgerEntry(withdrawn_at=e.at)
        merged[key] = merged.get(key, LedgerEntry()).merge(entry)
    return merged


@dataclass(frozen=True)
class Change:
    """One ledger entry to replace: `old` is what the writer believes stored."""

    key: Key
    old: LedgerEntry
    new: LedgerEntry


def plan(
    incoming: Mapping[Key, LedgerEntry],
    stored: Mapping[Key, LedgerEntry],
    deleted_posts: Set[str] = frozenset(),
) -> list[Change]:
    """The entries these events change, given what is stored (absent: nothing) and the posts
    known deleted (an act whose own post is gone is withdrawn for good)."""
    changes = []
    for key, entry in incoming.items():
        old = stored.get(key, LedgerEntry())
        new = old.merge(entry)
        if new.touch is not None and new.touch.own_post in deleted_posts:
            new = new.merge(LedgerEntry(withdrawn_at=FOREVER))
        if new != old:
            changes.append(Change(key, old, new))
    return changes


def deltas(changes: Iterable[Change]) -> Aggregates:
    """How the aggregates move for these changes: what counted before out, what counts now in
    (each touch on its own shard of its post's and seller's counters)."""
    changes = list(changes)
    adds = [t for c in changes if (t := c.new.counted) is not None]
    removes = [t for c in changes if (t := c.old.counted) is not None]
    return coalesce(adds, removes)
