"""How a batch's ledger changes are cut into transactions (pure): each group at most `actions`
writes, counted exactly from the changes as planned against what the ledger holds (store.ledger
reads it first): a put per changed entry, a marker check per own post, one write per aggregate
item the group's summed deltas move (coalesced: an item shared by the group's changes is written
once, and not at all when their deltas cancel) and the
change mark. A replaced touch moves its old day's and category's items too, so counting from the
changes, not from the incoming acts, keeps a group within the limit without a re-plan.

Changes are taken in an order that keeps together those that move the same items (seller, shard
from `first` round, day, post), so each shard item of a post or a seller and each day's rollup
is written by as few groups as the limit allows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Set
from decimal import Decimal, localcontext

from socialscore.domain.aggregates import COUNTER_SHARDS, settle, shard_of, with_contacts
from socialscore.domain.decay import STORED_DIGITS
from socialscore.domain.ledger_rules import Change, deltas
from socialscore.domain.rollups import day_of


class _Group:
    """What a group writes besides its puts, kept as changes join it: its marker checks and the
    aggregate items its summed deltas move. Summed, not per change: a touch replaced by another
    that counts the same on an item (a like moved within a day and shard) moves nothing there,
    and the transaction writes nothing there (store.ledger_writes coalesces the group's deltas)."""

    def __init__(self, deleted: Set[str], contacts: Mapping[str, str]) -> None:
        self.deleted = deleted
        self.contacts = contacts  # identity -> its contact: its item is written too
        self.sums: dict[Hashable, dict[str, Decimal]] = {}
        self.written: set[Hashable] = set()

    def written_with(
        self, change: Change
    ) -> tuple[set[Hashable], dict[Hashable, dict[str, Decimal]]]:
        """What the group would write with `change` in it, and its sums on the items it moves."""
        t = change.new.touch
        written = set(self.written)
        if t is not None and t.own_post and t.own_post not in self.deleted:
            written.add(("check", t.own_post))
        merged: dict[Hashable, dict[str, Decimal]] = {}
        with localcontext(STORED_DIGITS):  # as Aggregates.add sums
            for key, delta in with_contacts(deltas([change]), self.contacts.get).counters.items():
                held = self.sums.get(key, {})
                merged[key] = {
                    n: held.get(n, Decimal(0)) + delta.get(n, Decimal(0))
                    for n in held.keys() | delta.keys()
                }
                written.discard(key)
                if settle(key, merged[key]) is not None:
                    written.add(key)
        return written, merged

    def join(self, written: set[Hashable], merged: dict[Hashable, dict[str, Decimal]]) -> None:
        self.written = written
        self.sums.update(merged)


def cut(
    changes: Iterable[Change],
    actions: int,
    first: int = 0,
    deleted: Set[str] = frozenset(),
    contacts: Mapping[str, str] | None = None,
) -> list[list[Change]]:
    """The changes in groups of at most `actions` writes each (the change mark included)."""

    def order(change: Change) -> tuple[str, int, str, str, str, str]:
        t = change.new.touch or change.old.touch
        if t is None:
            return ("", 0, "", "", *change.key)
        shard = (shard_of(t) - first) % COUNTER_SHARDS
        return (t.seller_id or "", shard, day_of(t), t.post or "", *change.key)

    out: list[list[Change]] = []
    linked = contacts or {}
    group = _Group(deleted, linked)
    for change in sorted(changes, key=order):
        written, merged = group.written_with(change)
        if not out or len(out[-1]) + 1 + len(written) + 1 > actions:
            out.append([])
            group = _Group(deleted, linked)
            written, merged = group.written_with(change)
        out[-1].append(change)
        group.join(written, merged)
    return out
