"""The bucket tally's store in memory (pipeline.bucket_tally.TallyStore), for its rule tests: by
the sync-state table's item keys as store/bucket_tally.py writes them, a unit's change applied
all or nothing as the store's transaction is (the identity coverage's day items moved with it),
counting the DynamoDB requests it makes. It refuses what DynamoDB refuses (a unit item over 400
KB, a transaction of over 100 actions) and can fail its Nth `apply` (`fail_at`, counted across
runs) as a lost connection would: nothing of that unit written
(tests/integration/test_bucket_tally_contract.py keeps it to the store's contract).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from socialscore.domain import coverage
from socialscore.domain.bucket_tally import HOLD_EVERY, Counts, Kept, Place, Stored, counts, delta
from socialscore.store.coverage_tally import attributes, day_key, sums_of
from socialscore.store.tally_items import (
    COUNTS,
    PLACE,
    PREFIX,
    TODO_KEYS,
    counts_attributes,
    counts_of,
    decode,
    due_key,
    due_keys,
    encode,
    place_of,
    todo_key,
    unit_key,
)
from socialscore_local.memory.counting import Requests, batches

# DynamoDB's item size, its attribute names and values counted in UTF-8 bytes:
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
ITEM_LIMIT = 400 * 1024


# DynamoDB's actions a TransactWriteItems (same page).
TRANSACTION_LIMIT = 100


class TooManyActions(RuntimeError):
    """DynamoDB's ValidationException for a transaction of over 100 actions."""


class StoreFault(RuntimeError):
    """The injected failure of a write (a connection lost before DynamoDB took it)."""


class ItemTooLarge(RuntimeError):
    """DynamoDB's ValidationException for an update that would take an item over 400 KB."""


class MemoryBucketTally:
    def __init__(self, requests: Requests, fail_at: int | None = None) -> None:
        self.r = requests
        self.items: dict[str, dict[str, Any]] = {}  # by the table's item keys
        self.fail_at = fail_at
        self.applied = 0  # apply calls, failed ones included

    # --- reads -----------------------------------------------------------------------------
    def place(self) -> Place:
        self.r.add("BatchGetItem")
        return place_of(self.items.get(PLACE))

    def counts(self) -> Counts:
        self.r.add("BatchGetItem")
        return counts_of(self.items.get(COUNTS))

    def kept(self, units: list[str]) -> dict[str, Stored]:
        self.r.add("BatchGetItem", batches(len(units)))
        return {u: decode(self.items[unit_key(u)]) for u in units if unit_key(u) in self.items}

    def due(self, first: date, last: date) -> set[str]:
        keys = due_keys(first, last)
        self.r.add("BatchGetItem", batches(len(keys)))
        return {u for k in keys for u in self.items.get(k, {}).get("units", ())}

    def cover(self, days: Iterable[date]) -> dict[str, coverage.Sums]:
        keys = {day_key(d.isoformat()): d.isoformat() for d in days}
        self.r.add("BatchGetItem", batches(len(keys)))
        return {day: sums_of(self.items[k]) for k, day in keys.items() if k in self.items}

    def todo(self) -> set[str]:
        self.r.add("BatchGetItem")
        return {u for k in TODO_KEYS for u in self.items.get(k, {}).get("units", ())}

    # --- writes ----------------------------------------------------------------------------
    def apply(
        self, unit: str, old: Stored | None, new: Kept | None, first: date = date.min
    ) -> bool:
        self.applied += 1
        if self.fail_at is not None and self.applied - 1 == self.fail_at:
            raise StoreFault(f"apply {self.fail_at} failed")
        self.r.add("TransactWriteItems")
        item = self.items.get(unit_key(unit))
        if (item is None) != (old is None) or (
            item is not None and old is not None and int(item["v"]) != old.version
        ):
            return False
        was = old.value if old is not None else None
        before = was.until.date() if was is not None and was.until is not None else None
        after = new.until.date() if new is not None and new.until is not None else None
        if after is not None and before != after:  # the transaction's due entry fits, or nothing
            self._fits(due_key(after, unit), {unit})
        version = (old.version if old is not None else 0) + 1
        item = {"key": unit_key(unit), "v": version} | (encode(new) if new is not None else {})
        if _size(item) > ITEM_LIMIT:
            raise ItemTooLarge(f"{unit_key(unit)}: {_size(item):,} bytes")
        days = coverage.moved(was.cover if was else {}, new.cover if new else {}, first)
        moved = delta(was, new)
        dues = (before != after) * ((before is not None) + (after is not None))
        if 1 + bool(moved) + dues + len(days) > TRANSACTION_LIMIT:
            raise TooManyActions(f"{unit}: {1 + bool(moved) + dues + len(days)} actions")
        self.items[unit_key(unit)] = item
        for day, sums in days.items():
            self._add_up(day_key(day), attributes(sums))
        if moved:
            self._add_up(COUNTS, counts_attributes(moved))
        if before != after:
            if before is not None:
                self._remove(due_key(before, unit), {unit})
            if after is not None:
                self._add(due_key(after, unit), {unit})
        if new is None:
            self.r.add("BatchWriteItem")
            del self.items[unit_key(unit)]
        return True

    def set_todo(self, add: Iterable[str], done: Iterable[str]) -> None:
        added = set(add)
        for units, change in ((set(done) - added, self._remove), (added, self._add)):
            by_key: dict[str, set[str]] = {}
            for u in units:
                by_key.setdefault(todo_key(u), set()).add(u)
            for key, members in by_key.items():
                self.r.add("UpdateItem")
                change(key, members)

    def moved(self, marks_through: datetime, due_from: date) -> None:
        self.r.add("UpdateItem")
        self.items.setdefault(PLACE, {"key": PLACE}).update(
            marks_through=marks_through.isoformat(), due_from=due_from.isoformat()
        )

    def forget_bins(self) -> None:
        self.r.add("UpdateItem")
        self.items.get(PLACE, {}).pop("bins", None)

    def replace(
        self,
        units: Mapping[str, Kept],
        marks_through: datetime,
        due_from: date,
        hold: Callable[[], None] = lambda: None,
        bins: str | None = None,
    ) -> None:
        """As the store: the old items deleted, the new written, in writes of HOLD_EVERY items
        with `hold` called between them."""
        self.r.add("Scan")
        old = [k for k in self.items if k.startswith(PREFIX)]
        self.items = {k: v for k, v in self.items.items() if not k.startswith(PREFIX)}
        new: dict[str, dict[str, Any]] = {}
        for u, value in units.items():
            new[unit_key(u)] = {"key": unit_key(u), "v": 1, **encode(value)}
            if value.until is not None:
                key = due_key(value.until.date(), u)
                new.setdefault(key, {"key": key, "units": set()})["units"].add(u)
        for key, item in new.items():  # a put over 400 KB fails as the update would
            if "units" in item:
                self._fits(key, item["units"])
        cover: dict[str, coverage.Sums] = {}
        for value in units.values():
            coverage.added(cover, value.cover)
        for day, sums in cover.items():
            new[day_key(day)] = {"key": day_key(day)} | attributes(sums)
        new[COUNTS] = {"key": COUNTS} | counts_attributes(counts(units.values()))
        writes: list[list[tuple[str, dict[str, Any] | None]]] = [
            [(k, None) for k in old],
            list(new.items()),
        ]
        for requests in writes:  # the deletes, then the puts
            for start in range(0, len(requests), HOLD_EVERY):
                hold()
                chunk = requests[start : start + HOLD_EVERY]
                self.r.add("BatchWriteItem", batches(len(chunk), 25))
                self.items |= {k: item for k, item in chunk if item is not None}
        self.items[PLACE] = {
            "key": PLACE,
            "marks_through": marks_through.isoformat(),
            "due_from": due_from.isoformat(),
            "cover": True,
        } | ({"bins": bins} if bins is not None else {})

    def _add_up(self, key: str, amounts: Mapping[str, Any]) -> None:
        """An UpdateItem's ADD of numbers (the item made when missing, as DynamoDB)."""
        item = self.items.setdefault(key, {"key": key})
        for name, amount in amounts.items():
            item[name] = item.get(name, 0) + amount

    def _add(self, key: str, members: set[str]) -> None:
        self.items.setdefault(key, {"key": key})["units"] = self._fits(key, members)

    def _fits(self, key: str, members: set[str]) -> set[str]:
        """The item's set with `members` added; ItemTooLarge (nothing written) past 400 KB."""
        units = set(self.items.get(key, {}).get("units", ())) | members
        size = len("key") + len(key.encode()) + len("units") + sum(len(u.encode()) for u in units)
        if size > ITEM_LIMIT:
            raise ItemTooLarge(f"{key}: {size:,} bytes")
        return units

    def _remove(self, key: str, members: set[str]) -> None:
        item = self.items.setdefault(key, {"key": key})  # an update makes the item, as DynamoDB
        left = set(item.get("units", ())) - members
        if left:
            item["units"] = left
        else:
            item.pop("units", None)  # DynamoDB keeps no empty set


def _size(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it, near enough: names and values in UTF-8 bytes."""
    return sum(len(k.encode()) + len(json.dumps(v, default=str).encode()) for k, v in item.items())
