"""The bucket tally's items (domain.bucket_tally) in the sync-state table, beside crm_sync's own
state (its run keeps the tally, under its run lease): no new table, and only the calls its role
already makes there (BatchGetItem, BatchWriteItem, UpdateItem; a transaction of Update actions
needs UpdateItem alone:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).

- its items: store.tally_items.
- `tally#cover#<day>`: the identity coverage's linked part (store.coverage_tally).

A unit's change is one transaction: its item conditioned on the version read, the counts added
to, its due entry moved, the coverage's days moved; a unit emptied is then deleted (an erased
person's id leaves no item).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.domain import coverage
from socialscore.domain.bucket_tally import (
    HOLD_EVERY,
    Counts,
    Kept,
    Place,
    Stored,
    counts,
    delta,
)
from socialscore.store import coverage_tally, dynamo
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


class TallyNotBuilt(LookupError):
    """The tally has not been built (`socialscore rebuild`): its counts would be wrong."""


def _nothing() -> None:
    return None


class BucketTallyStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def place(self) -> Place:
        return place_of(dynamo.batch_get(self._table, "key", [PLACE], consistent=True).get(PLACE))

    def counts(self) -> Counts:
        found = dynamo.batch_get(self._table, "key", [COUNTS], consistent=True)
        return counts_of(found.get(COUNTS))

    def built_counts(self) -> Counts:
        """How many profiles and contacts are in each bucket, as of crm_sync's last run (one
        read of two items, whatever the number of profiles); TallyNotBuilt before the tally's
        first build."""
        found = dynamo.batch_get(self._table, "key", [PLACE, COUNTS], consistent=True)
        if PLACE not in found:
            raise TallyNotBuilt("the bucket tally is not built: run `socialscore rebuild`")
        return counts_of(found.get(COUNTS))

    def kept(self, units: list[str]) -> dict[str, Stored]:
        keys = {unit_key(u): u for u in units}
        found = dynamo.batch_get(self._table, "key", list(keys), consistent=True)
        return {keys[k]: decode(item) for k, item in found.items()}

    def due(self, first: date, last: date) -> set[str]:
        """Units with a due entry on a day from first to last."""
        found = dynamo.batch_get(self._table, "key", due_keys(first, last), consistent=True)
        return {u for item in found.values() for u in item.get("units", ())}

    def cover(self, days: Iterable[date]) -> dict[str, coverage.Sums]:
        """The identity coverage's linked sums of these days, by ISO day (store.coverage_tally),
        as of crm_sync's last run."""
        return coverage_tally.linked(self._table, days)

    def todo(self) -> set[str]:
        found = dynamo.batch_get(self._table, "key", TODO_KEYS, consistent=True)
        return {u for item in found.values() for u in item.get("units", ())}

    def apply(
        self, unit: str, old: Stored | None, new: Kept | None, first: date = date.min
    ) -> bool:
        """Set the unit to `new` (None: gone), the counts moved by the difference, its due
        entry moved and the coverage's days from `first` on moved, in one transaction
        conditioned on `old`; False when the unit's item is no longer `old` (nothing written)."""
        client = clients.client("dynamodb")
        was = old.value if old is not None else None
        version = (old.version if old is not None else 0) + 1
        actions = [{"Update": self._unit_update(unit, old, new, version)}]
        moved = delta(was, new)
        if moved:
            actions.append({"Update": self._counts_update(moved)})
        before = was.until.date() if was is not None and was.until is not None else None
        after = new.until.date() if new is not None and new.until is not None else None
        if before != after:
            if before is not None:
                actions.append({"Update": self._set(due_key(before, unit), "DELETE", {unit})})
            if after is not None:
                actions.append({"Update": self._set(due_key(after, unit), "ADD", {unit})})
        days = coverage.moved(was.cover if was else {}, new.cover if new else {}, first)
        for day, sums in days.items():
            actions.append({"Update": coverage_tally.day_update(self._table, day, sums)})
        try:
            client.transact_write_items(TransactItems=actions)
        except client.exceptions.TransactionCanceledException as err:
            reasons = [r.get("Code") for r in err.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            raise
        if new is None:  # emptied: no item left naming the unit
            request = {"DeleteRequest": {"Key": {"key": {"S": unit_key(unit)}}}}
            dynamo.batch_write(self._table, [request])
        return True

    def set_todo(self, add: Iterable[str], done: Iterable[str]) -> None:
        """Units left for the next run added, those taken removed: an update per shard."""
        for action, units in (("DELETE", set(done) - set(add)), ("ADD", set(add))):
            by_key: dict[str, set[str]] = {}
            for u in units:
                by_key.setdefault(todo_key(u), set()).add(u)
            for key, members in sorted(by_key.items()):
                clients.client("dynamodb").update_item(**self._set(key, action, members))

    def moved(self, marks_through: datetime, due_from: date) -> None:
        """The place after a run: marks read up to `marks_through`, due days from `due_from`."""
        clients.client("dynamodb").update_item(
            TableName=self._table,
            Key={"key": {"S": PLACE}},
            UpdateExpression="SET marks_through = :m, due_from = :d",
            ExpressionAttributeValues={
                ":m": {"S": marks_through.isoformat()},
                ":d": {"S": due_from.isoformat()},
            },
        )

    def forget_bins(self) -> None:
        clients.client("dynamodb").update_item(
            TableName=self._table, Key={"key": {"S": PLACE}}, UpdateExpression="REMOVE bins"
        )

    def replace(
        self,
        units: Mapping[str, Kept],
        marks_through: datetime,
        due_from: date,
        hold: Callable[[], None] = _nothing,
        bins: str | None = None,
    ) -> None:
        """A rebuild: every tally item deleted, then each unit's, the counts, the due entries
        and the place written anew (the place last: until then a reader finds it not built);
        `hold` called every HOLD_EVERY items written; `bins`: the score bins kept
        (domain.score_bins.signature)."""
        old = [i["key"] for i in dynamo.scan(self._table) if str(i["key"]).startswith(PREFIX)]
        deletes = [_delete(k) for k in sorted(old, key=_place_first)]
        puts = [_put({"key": unit_key(u), "v": 1, **encode(v)}) for u, v in sorted(units.items())]
        due: dict[str, set[str]] = {}
        for u, v in units.items():
            if v.until is not None:
                due.setdefault(due_key(v.until.date(), u), set()).add(u)
        puts += [_put({"key": k, "units": members}) for k, members in sorted(due.items())]
        cover: dict[str, coverage.Sums] = {}
        for v in units.values():
            coverage.added(cover, v.cover)
        puts += [
            _put({"key": coverage_tally.day_key(d), **coverage_tally.attributes(sums)})
            for d, sums in sorted(cover.items())
        ]
        named = counts_attributes(counts(units.values()))
        puts.append(_put({"key": COUNTS, **{k: Decimal(n) for k, n in named.items()}}))
        # The deletes and the puts apart: a BatchWriteItem may not name one key twice.
        for requests in (deletes, puts):
            for start in range(0, len(requests), HOLD_EVERY):
                hold()
                dynamo.batch_write(self._table, requests[start : start + HOLD_EVERY])
        place: dict[str, Any] = {"key": PLACE, "marks_through": marks_through.isoformat()}
        place |= {"due_from": due_from.isoformat(), "cover": True}
        if bins is not None:
            place["bins"] = bins
        dynamo.batch_write(self._table, [_put(place)])

    # --- update expressions ----------------------------------------------------------------
    def _unit_update(
        self, unit: str, old: Stored | None, new: Kept | None, version: int
    ) -> dict[str, Any]:
        values: dict[str, Any] = {":v": {"N": str(version)}}
        sets, removes = ["v = :v"], []
        for name in ("b", "c", "u", "cv", "s"):
            value = encode(new).get(name) if new is not None else None
            if value is None:
                removes.append(name)
            else:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = dynamo.to_item({"x": value})["x"]
        if old is None:
            condition = "attribute_not_exists(v)"
        else:
            condition = "v = :old"
            values[":old"] = {"N": str(old.version)}
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return {
            "TableName": self._table,
            "Key": {"key": {"S": unit_key(unit)}},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }

    def _counts_update(self, moved: Counts) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds = []
        for n, (bucket, (p, c)) in enumerate(sorted(moved.items())):
            names |= {f"#p{n}": f"p#{bucket}", f"#c{n}": f"c#{bucket}"}
            values |= {f":p{n}": {"N": str(p)}, f":c{n}": {"N": str(c)}}
            adds += [f"#p{n} :p{n}", f"#c{n} :c{n}"]
        return {
            "TableName": self._table,
            "Key": {"key": {"S": COUNTS}},
            "UpdateExpression": "ADD " + ", ".join(adds),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _set(self, key: str, action: str, members: set[str]) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": {"key": {"S": key}},
            "UpdateExpression": f"{action} #u :u",
            "ExpressionAttributeNames": {"#u": "units"},
            "ExpressionAttributeValues": {":u": {"SS": sorted(members)}},
        }


def _place_first(key: str) -> bool:
    return key != PLACE


def _delete(key: str) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": {"key": {"S": key}}}}


def _put(values: dict[str, Any]) -> dict[str, Any]:
    return {"PutRequest": {"Item": dynamo.to_item(values)}}
