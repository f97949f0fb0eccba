"""Write units the global secondary indexes cost, counted write by write.

An index is written whenever a table write changes what it holds for the item, not only when the
item is first stored: a day rollup (`by_day`, every attribute projected) is rewritten by each
transaction that moves it, and a profile's `by_units` entry, keyed by its units, is deleted and
put again each time its units change. DynamoDB's rules
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes): an item entering
the index is one write, leaving it one, a change of the index's key two (delete, then put), a
change of projected attributes only one, no change none; each write in units of 1 KB of the
index entry (CapacityUnitCalculations.html). Counted at the standard rate, also inside
transactions.

How: the handlers' DynamoDB writes are seen before they are sent (botocore's
provide-client-params) and after their answer (after-call); each written item is read before
and after through the runtime's own client, which the hooks do not see.
"""

from __future__ import annotations

import math
from typing import Any

from stored import item_size

from socialscore_local.runtime import LocalRuntime

_PENDING = "bench_index_writes"
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


class IndexWrites:
    """Register on the handlers' session before any of their clients is made."""

    def __init__(self, rt: LocalRuntime, session_events: Any) -> None:
        self.client = rt.client("dynamodb")
        self.units = 0
        self._tables: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
        session_events.register("provide-client-params.dynamodb", self._before)
        session_events.register("after-call.dynamodb", self._after)

    def _before(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if model.name in WRITES:  # the call's own context carries its items to its answer
            written = _keys(model.name, params, self._key_names)
            context[_PENDING] = [(t, key, self._read(t, key)) for t, key in written]

    def _after(self, context: dict[str, Any], **_: Any) -> None:
        for table, key, old in context.pop(_PENDING, []):
            new = self._read(table, key)
            for index in self._tables[table][1]:
                self.units += _index_units(index, self._tables[table][0], old, new)

    def _key_names(self, table: str) -> list[str]:
        if table not in self._tables:
            described = self.client.describe_table(TableName=table)["Table"]
            keys = [a["AttributeName"] for a in described["KeySchema"]]
            self._tables[table] = (keys, described.get("GlobalSecondaryIndexes", []))
        return self._tables[table][0]

    def _read(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        if not self._tables[table][1]:
            return None  # no index: nothing to compare
        found = self.client.get_item(TableName=table, Key=key, ConsistentRead=True)
        item: dict[str, Any] | None = found.get("Item")
        return item


def _keys(operation: str, params: dict[str, Any], key_names: Any) -> list[tuple[str, Any]]:
    """(table, primary key) of each item the write names."""

    def key_of(table: str, item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return table, {k: item[k] for k in key_names(table)}

    if operation == "PutItem":
        return [key_of(params["TableName"], params["Item"])]
    if operation in ("UpdateItem", "DeleteItem"):
        return [key_of(params["TableName"], params["Key"])]
    if operation == "BatchWriteItem":
        return [
            key_of(
                table, r["PutRequest"]["Item"] if "PutRequest" in r else r["DeleteRequest"]["Key"]
            )
            for table, requests in params["RequestItems"].items()
            for r in requests
        ]
    found = []
    for action in params["TransactItems"]:
        (kind, op), *_ = action.items()
        if kind != "ConditionCheck":
            found.append(key_of(op["TableName"], op["Item"] if kind == "Put" else op["Key"]))
    return found


def _index_units(
    index: dict[str, Any], keys: list[str], old: dict[str, Any] | None, new: dict[str, Any] | None
) -> int:
    names = [a["AttributeName"] for a in index["KeySchema"]]

    def entry(item: dict[str, Any] | None) -> dict[str, Any] | None:
        if item is None or not all(n in item for n in names):
            return None  # sparse: not in this index
        projection = index["Projection"]
        if projection["ProjectionType"] == "ALL":
            return item
        kept = {*keys, *names, *projection.get("NonKeyAttributes", [])}
        return {k: v for k, v in item.items() if k in kept}

    before, after = entry(old), entry(new)

    def units(e: dict[str, Any]) -> int:
        return math.ceil(item_size(e) / 1024)

    if before == after:
        return 0
    if before is None or after is None:
        return units(after or before or {})
    if any(before[n] != after[n] for n in names):
        return units(before) + units(after)
    return max(units(before), units(after))
