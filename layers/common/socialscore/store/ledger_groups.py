"""How a batch's ledger changes are cut into transactions (pure): each group at most `actions`
writes, counted exactly from the changes as planned against what the ledger holds (store.ledger
reads it first): a put per changed entry, a marker check per own post, one write per aggregate
item the group moves (coalesced: an item shared by the group's changes is written once) and the
change mark. A replaced touch moves its old day's and category's items too, so counting from the
changes, not from the incoming acts, keeps a group within the limit without a re-plan.

Changes are taken in an order that keeps together those that move the same items (seller, shard
from `first` round, day, post), so each shard item of a post or a seller and each day's rollup
is written by as few groups as the limit allows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Set

from socialscore.domain.aggregates import COUNTER_SHARDS, settle, shard_of
from socialscore.domain.ledger_rules import Change, deltas
from socialscore.domain.rollups import day_of


def writes_of(change: Change, deleted: Set[str] = frozenset()) -> set[Hashable]:
    """What one change writes besides its put: its own post's marker check and each aggregate
    item it moves (old touch out, new touch in)."""
    t = change.new.touch
    out: set[Hashable] = set()
    if t is not None and t.own_post and t.own_post not in deleted:
        out.add(("check", t.own_post))
    moved = deltas([change]).counters
    out.update(key for key, delta in moved.items() if settle(key, delta) is not None)
    return out


def cut(
    changes: Iterable[Change], actions: int, first: int = 0, deleted: Set[str] = frozenset()
) -> list[list[Change]]:
    """The changes in groups of at most `actions` writes each (the change mark included)."""

    def order(change: Change) -> tuple[str, int, str, str, str, str]:
        t = change.new.touch or change.old.touch
        if t is None:
            return ("", 0, "", "", *change.key)
        shard = (shard_of(t) - first) % COUNTER_SHARDS
        return (t.seller_id or "", shard, day_of(t), t.post or "", *change.key)

    out: list[list[Change]] = []
    items: set[Hashable] = set()  # what the current group writes besides its puts
    for change in sorted(changes, key=order):
        moved = writes_of(change, deleted)
        if not out or len(out[-1]) + 1 + len(items | moved) + 1 > actions:
            out.append([])
            items = set()
        out[-1].append(change)
        items |= moved
    return out
