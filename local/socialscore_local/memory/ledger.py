"""The touch ledger in a dict (pipeline.ports.TouchLedger and TouchHistory), item for item as
the ledger table holds them, its aggregates in a MemoryScoreStore: the rules are the store's
own (domain.ledger_rules: entries, plan, deltas; domain.aggregates.settle; the items of
store.ledger_items), applied at once where store/ledger.py applies them in transactions, so the
same events leave the same items (tests/integration/test_ledger_contract.py).

`items` holds what the table does: each entry (store.ledger_items.item_of), a deleted post's
marker, a complaint's flag (memory.complaint_flags) and an answered mark (memory.engage). A
write DynamoDB would refuse (a key or an item over its limits) raises `Refused` and changes
nothing, as the transaction does.

A deleted post's acts are found as the table finds them, through its `by_own_post` index, which
is eventually consistent (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
GSI.html#GSI.Reading): with `index_lag`, an entry written less than that long ago (on `clock`)
is not found yet, as DynamoDB may not have propagated it (the score stage sweeps a deleted post
again a minute later for that reason). `read` counts what was read: each profile whose touches
were asked for, and `SCAN` for each read of every touch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from socialscore.domain.aggregates import (
    CONTACT,
    ProfileTotal,
    linked_write,
    settle,
    with_contacts,
)
from socialscore.domain.interaction import Category
from socialscore.domain.ledger_rules import FOREVER, Key, LedgerEntry, deltas, entries, plan
from socialscore.domain.limits import PARTITION_KEY_MAX_BYTES, SORT_KEY_MAX_BYTES, Refused
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.pipeline.ports import CrmPending
from socialscore.store.engage import mark_key
from socialscore.store.ledger_items import entry_of, is_flag, item_of
from socialscore.store.ledger_writes import marker_key
from socialscore.store.scores import item_key
from socialscore_local.memory.scores import MemoryScoreStore

# docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html: an item is at
# most 400 KB, its attribute names and values' UTF-8 lengths summed.
ITEM_MAX_BYTES = 400 * 1024
DELETED = "deleted#"
SCAN = "*"  # in `read`: every touch read (the table scanned)


def _size(value: Any) -> int:
    if isinstance(value, list):
        return 3 + sum(1 + _size(v) for v in value)
    return len(str(value).encode("utf-8", "surrogatepass"))


def _check(item: dict[str, Any]) -> None:
    """DynamoDB's refusal of an item over its limits, in its own words (store.dynamo.refusal)."""
    if len(item["profile"].encode()) > PARTITION_KEY_MAX_BYTES:
        raise Refused("ValidationException: the partition key is over 2048 bytes")
    if len(item["touch"].encode()) > SORT_KEY_MAX_BYTES:
        raise Refused("ValidationException: the sort key is over 1024 bytes")
    if sum(len(n) + _size(v) for n, v in item.items()) > ITEM_MAX_BYTES:
        raise Refused("ValidationError: Item size has exceeded the maximum allowed size")


class MemoryTouchLedger:
    def __init__(
        self,
        scores: MemoryScoreStore | None = None,
        changes: CrmPending | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        index_lag: timedelta = timedelta(0),
    ) -> None:
        """`changes`: where crm_sync learns which profiles changed (the table's ledger marks
        them in each transaction), at `clock`'s time; None for a reader. `index_lag`: how long
        a new entry takes to show in the by_own_post index."""
        self.scores = scores if scores is not None else MemoryScoreStore()
        self.changes = changes
        self.clock = clock
        self.index_lag = index_lag
        self.items: dict[Key, dict[str, Any]] = {}
        self.written_at: dict[Key, datetime] = {}  # when each entry was first written
        self.read: list[str] = []  # the profiles whose touches were asked for (SCAN: all)

    def record(
        self, events: list[Touch | Withdrawal], contacts: Mapping[str, str] | None = None
    ) -> int:
        """Merge acts and retractions into the ledger; returns how many entries changed.
        `contacts` (resolve's guesses) is not needed: each organic item says its contact, read
        at once as the table's write learns it (its condition, or the refusal's item)."""
        deleted = {p.removeprefix(DELETED) for p, _ in self.items if p.startswith(DELETED)}
        merged = entries(events)
        stored = {k: entry_of(self.items[k]) for k in merged if k in self.items}
        changes = plan(merged, stored, deleted)
        written = {
            c.key: {k: v for k, v in item_of(*c.key, c.new).items() if v is not None}
            for c in changes
        }
        for item in written.values():
            _check(item)
        agg = with_contacts(deltas(changes), self._contact_of)
        writes = []
        for key, delta in agg.counters.items():
            if (w := settle(key, delta, self.scores.held(key))) is not None:
                if isinstance(key, ProfileTotal) and key.category is Category.ORGANIC:
                    w = linked_write(w, self.scores.held(key), self._contact_of(key.profile))
                if len(item_key(key).encode()) > PARTITION_KEY_MAX_BYTES:
                    raise Refused("ValidationException: the partition key is over 2048 bytes")
                writes.append((key, w, agg.teams.get(key)))
        now = self.clock()
        self.written_at |= {k: now for k in written if k not in self.items}
        self.items |= written
        for key, w, team in writes:
            self.scores.write(key, w, team)
        if changes and self.changes is not None:
            self.changes.mark_changed(self.clock(), profiles={c.key[0] for c in changes})
        return len(changes)

    def _contact_of(self, profile: str) -> str | None:
        held = self.scores.held(ProfileTotal(profile, Category.ORGANIC)).get(CONTACT)
        return None if held is None else str(held)

    def delete_post(self, post: str, at: datetime) -> int:
        """Mark a post deleted (the earliest report stands) and retract every act it made."""
        key = marker_key(post)
        when = at.astimezone(UTC).isoformat()
        held = self.items.get(key)
        if held is None or held["deleted_at"] > when:
            self.items[key] = {"profile": key[0], "touch": key[1], "deleted_at": when}
        indexed = self.clock() - self.index_lag
        made = [
            k
            for k, i in self.items.items()
            if i.get("own_post") == post and self.written_at.get(k, indexed) <= indexed
        ]
        return self.record([Withdrawal(p, k, FOREVER) for p, k in made])

    def touches_of(self, profile: str) -> list[Touch]:
        """The touches that count for a profile (not retracted)."""
        self.read.append(profile)
        return [t for e in self._entries_of(profile).values() if (t := e.counted) is not None]

    def every_touch(self) -> list[Touch]:
        self.read.append(SCAN)
        return [t for i in self.items.values() if (t := entry_of(i).counted) is not None]

    def profiles_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        """The profiles of a page of at most `limit` items from `cursor` ("" first), and where
        the next page starts ("" after the last): the table's Scan of its keys, every item
        (markers and marks included), a full page always naming the next as DynamoDB does."""
        self.read.append(SCAN)
        start = int(cursor or 0)
        page = sorted(self.items)[start : start + limit]
        after = str(start + limit) if len(page) == limit else ""
        return sorted({profile for profile, _ in page}), after

    def erase(self, profile: str) -> int:
        """Take a profile's touches out of every aggregate, then delete its entries, its
        complaints' flags and the answered marks of its own posts."""
        partition = {k: i for k, i in self.items.items() if k[0] == profile}
        keys = [k for k in partition if not is_flag(k[1])]
        self.record([Withdrawal(p, k, FOREVER) for p, k in keys])
        marks = {post for i in partition.values() if (post := i.get("own_post"))}
        for key in [*partition, *((m["profile"], m["touch"]) for m in map(mark_key, marks))]:
            self.items.pop(key, None)
            self.written_at.pop(key, None)
        return len(keys)

    def _entries_of(self, profile: str) -> dict[Key, LedgerEntry]:
        return {
            k: entry_of(i) for k, i in self.items.items() if k[0] == profile and not is_flag(k[1])
        }
