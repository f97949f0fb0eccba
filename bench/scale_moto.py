"""bench/scale.py's use of the local runtime's moto at 100,000 profiles: items written straight
into its tables, reads answered without its whole-table walks, and every read metered as
DynamoDB charges it. Bench-only: nothing here is imported by the product or its tests.

moto (5.x) answers a Query by sorting the whole table (Table.all_items) then keeping the items
of the asked key, and each Scan page by walking the sorted table from its start to the page's
ExclusiveStartKey: a Query costs the table's size and a Scan is quadratic, costs DynamoDB does
not have (a million ledger items: minutes a Query). `quick_reads()` hands moto's own query and
scan only the items they would keep (a Query: the items holding its partition key; a Scan page:
the items after its start key, about a page of them), so moto still answers with its own rules
(key conditions, order, 1 MB pages, projections, filters), from fewer items.
"""

from __future__ import annotations

import copy
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
from moto.core.responses import ActionResult
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT
from moto.dynamodb.models.table import Table as MotoTable
from stored import item_size

from socialscore.aws import clients
from socialscore_local.http_api import ACCOUNT
from socialscore_local.sqs_events import REGION


def put(table: str, items: list[dict[str, Any]]) -> None:
    """Typed items (store.dynamo.to_item's) straight into moto's table, as its put_item stores
    them, without its checks (a size walk quadratic in attributes): the stores' builders make
    them, far under DynamoDB's limits."""
    held = dynamodb_backends[ACCOUNT][REGION].get_table(table)
    for typed in items:
        item: Any = Item.__new__(Item)
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs, {name: _value(value) for name, value in typed.items()})
        item.attrs = attrs
        item.hash_key = attrs[held.hash_key_attr]
        item.range_key = attrs[held.range_key_attr] if held.range_key_attr else None
        if item.range_key is None:
            held.items[item.hash_key] = item
        else:
            held.items[item.hash_key][item.range_key] = item
    _HELD.clear()
    _SIZES.clear()


def _value(typed: dict[str, Any]) -> DynamoType:
    """moto's DynamoType of a typed value; a string, or a number in plain digits (as the local
    runtime's moto keeps numbers: socialscore_local.fidelity), made without its constructor."""
    ((kind, value),) = typed.items()
    if kind not in ("S", "N"):
        return DynamoType(typed)
    if kind == "N" and ("E" in value or "e" in value):
        value = format(Decimal(value).normalize(), "f")
    found = DynamoType.__new__(DynamoType)
    found.type, found.value = kind, value
    return found


@dataclass
class _Held:
    """A table's items as moto sorts them, and what finds a key among them fast."""

    items: list[Any]
    places: dict[tuple[Any, Any], int] = field(default_factory=dict)  # key -> place in items
    groups: dict[str, dict[Any, list[Any]]] = field(default_factory=dict)  # by attribute


_HELD: dict[int, _Held] = {}  # by id(table); dropped by every write
_MOTO_ALL_ITEMS = MotoTable.all_items
_ONLY = threading.local()  # the items a read in this thread is given
# Stored items' sizes (moto measures an item on every read of it, twice a Scan), by id: only
# items a table holds, alive as long as _HELD is (a copy's id may be reused once it is freed).
_SIZES: dict[int, int] = {}
_MOTO_SIZE = Item.size


class _Uncopied:
    """moto's table module's `copy`, without the deep copy of each item a read returns: the read
    only serializes them (Item.to_json, Index.project and Item.project build new items)."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        items = isinstance(value, Item) or (
            isinstance(value, list) and all(isinstance(v, Item) for v in value)
        )
        return value if items else copy.deepcopy(value, memo)


def _held(table: MotoTable) -> _Held:
    if id(table) not in _HELD:
        _HELD[id(table)] = _Held(_MOTO_ALL_ITEMS(table))
    return _HELD[id(table)]


def _group(table: MotoTable, name: str) -> dict[Any, list[Any]]:
    """The table's items by their value of an index's key attribute (sparse: those holding it)."""
    held = _held(table)
    if name not in held.groups:  # built whole, then shown: a reader thread may ask meanwhile
        groups: dict[Any, list[Any]] = {}
        for item in held.items:
            if (v := item.attrs.get(name)) is not None:
                groups.setdefault(v.value, []).append(item)
        held.groups[name] = groups
    return held.groups[name]


def warm() -> None:
    """Sort every table and group it by each index's key once, before the reads are measured
    (each read runs in a process of its own: what it built would be built again)."""
    for table in dynamodb_backends[ACCOUNT][REGION].tables.values():
        held = _held(table)
        held.places = {(i.hash_key, i.range_key): n for n, i in enumerate(held.items)}
        _SIZES.update((id(i), _MOTO_SIZE(i)) for i in held.items)
        for index in table.all_indexes():
            for key in index.schema:
                if key["KeyType"] == "HASH":
                    _group(table, key["AttributeName"])


def quick_reads() -> None:
    """Query and Scan on moto given only the items they keep; any write forgets what was kept
    (moto's own writes and `put`). Once per process."""
    if getattr(MotoTable, "_scale_quick", False):
        return
    query, scan = MotoTable.query, MotoTable.scan

    def given(
        table: MotoTable, items: list[Any], read: Callable[..., Any], *args: Any, **kw: Any
    ) -> Any:
        """moto's own read, over these items only (this thread's call: readers run threads)."""
        _ONLY.table, _ONLY.items = table, items
        try:
            return read(table, *args, **kw)
        finally:
            _ONLY.table = _ONLY.items = None

    def all_items(self: MotoTable) -> list[Any]:
        if getattr(_ONLY, "table", None) is self:
            return list(_ONLY.items)
        return _MOTO_ALL_ITEMS(self)

    def quick_query(self: MotoTable, *args: Any, **kwargs: Any) -> Any:
        index = kwargs.get("index_name") or (args[7] if len(args) > 7 else None)
        conditions = kwargs.get("hash_key_conditions") or []
        if index and len(conditions) == 1:  # the items holding the index's key value
            name, value = conditions[0]
            mine = _group(self, name).get(value.value, [])
        elif index:
            return query(self, *args, **kwargs)
        else:  # the partition's items
            key = kwargs.get("hash_key", args[0] if args else None)
            found = self.items.get(key)
            mine = [] if found is None else list(found.values()) if self.range_key_attr else [found]
        return given(self, mine, query, *args, **kwargs)

    def quick_scan(self: MotoTable, *args: Any, **kwargs: Any) -> Any:
        names = ("filters", "limit", "exclusive_start_key", "filter_expression", "index_name")
        asked = dict(zip(names, args, strict=False)) | kwargs
        whole = kwargs.get("segments", (None, None)) == (None, None)
        if asked.get("index_name") or asked.get("filters") or not whole:
            return scan(self, *args, **kwargs)
        held = _held(self)
        start = 0
        if (after := asked.get("exclusive_start_key")) is not None:
            if not held.places:
                held.places = {(i.hash_key, i.range_key): n for n, i in enumerate(held.items)}
            hash_key = DynamoType(after[self.hash_key_attr])
            range_key = DynamoType(after[self.range_key_attr]) if self.range_key_attr else None
            start = held.places[(hash_key, range_key)] + 1
        end, size, limit = start, 0, asked.get("limit") or math.inf
        while end < len(held.items) and size <= RESULT_SIZE_LIMIT and end - start <= limit:
            size += held.items[end].size()  # one past the page: moto sees the page is full
            end += 1
        found = given(self, held.items[start:end], scan, *args, **kwargs)
        # What the page walked before its filter: what DynamoDB bills (the Meter's to read).
        walked = held.items[start : start + found[1]]
        _ONLY.walked = sum(_SIZES.get(id(i)) or _MOTO_SIZE(i) for i in walked)
        return found

    def forgetting(write: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            _HELD.clear()
            _SIZES.clear()
            return write(*args, **kwargs)

        return wrapped

    writes = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")
    for name in writes:
        setattr(DynamoDBBackend, name, forgetting(getattr(DynamoDBBackend, name)))
    setattr(MotoTable, "all_items", all_items)  # noqa: B010
    setattr(MotoTable, "query", quick_query)  # noqa: B010  # mypy refuses `=` on a method
    setattr(MotoTable, "scan", quick_scan)  # noqa: B010
    setattr(MotoTable, "_scale_quick", True)  # noqa: B010
    setattr(Item, "size", lambda item: _SIZES.get(id(item)) or _MOTO_SIZE(item))  # noqa: B010
    setattr(table_module, "copy", _Uncopied)  # noqa: B010
    _quick_answers()


# Where each read's answer holds its items: moto's generic serializer walks them attribute by
# attribute through the API's shapes (about 1 ms an item); they are already in the wire's form.
_ITEMS = {"Scan": "Items", "Query": "Items", "GetItem": "Item", "BatchGetItem": "Responses"}


def _quick_answers() -> None:
    """A DynamoDB read's answer serialized by moto without its items, then with them as JSON."""
    execute = ActionResult.execute_result

    def answer(self: ActionResult, context: Any) -> Any:
        result, name = self.result, context.operation_model.name
        key = _ITEMS.get(name) if context.service_model.service_name == "dynamodb" else None
        if key is None or not isinstance(result, dict) or key not in result:
            return execute(self, context)
        status, headers, body = execute(
            ActionResult({k: v for k, v in result.items() if k != key}), context
        )
        return status, headers, json.dumps(json.loads(body) | {key: result[key]})

    setattr(ActionResult, "execute_result", answer)  # noqa: B010


@dataclass
class Meter:
    """Every DynamoDB read the functions' and the CLI's clients make (boto3's default session,
    the one the local runtime gives the handlers), charged as DynamoDB charges it
    (docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html): a
    Query's or Scan's page is the sum of its items' sizes rounded up to 4 KB, a GetItem's or
    BatchGetItem's each item rounded up to 4 KB; a read unit per 4 KB strongly consistent, half
    eventually consistent. moto's ConsumedCapacity is a fixed figure a call, whatever it read,
    so the items are sized here (stored.item_size, DynamoDB's sizing). A Scan with a filter is
    billed for every item it walked (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
    Scan.html#Scan.FilterExpression): those are sized where moto walked them (moto's sizing);
    a Query's filter would not be seen (no reader measured uses one). An item a read names that
    does not exist is billed as one of up to 4 KB ("if you perform a read operation on an item
    that doesn't exist, DynamoDB will still consume read throughput", read-write-operations
    above), and a projection bills what was read, not what was sent back: the whole item of a
    table, the index's own entry of an index (docs.aws.amazon.com/amazondynamodb/latest/
    developerguide/Query.ReadConsumption.html, GSI.html#GSI.ThroughputConsiderations.Reads):
    each item returned is sized as stored, from moto's table, not from the answer."""

    read_units: float = 0.0
    bytes: int = 0
    calls: int = 0
    side_calls: int = 0  # made by a reader's worker threads, several in flight at once
    # CPU seconds the sizing took, in the reading threads (after each call, outside moto's
    # answer): the bench's, never the Lambda's (scale_measure takes it out as it takes moto's)
    seconds: float = 0.0
    by: dict[str, list[float]] = field(default_factory=dict)  # "Scan Table[/index]": calls, RU
    _lock: threading.Lock = field(default_factory=threading.Lock)  # readers' threads count too

    def install(self) -> None:
        events = boto3.DEFAULT_SESSION.events  # the runtime's: the handlers' and the CLI's
        events.register("before-parameter-build.dynamodb", self._asked, unique_id="scale-ask")
        events.register("after-call.dynamodb", self._read, unique_id="scale-meter")
        clients.reset()  # a client copies its session's handlers when made

    def reset(self) -> None:
        self.read_units, self.bytes, self.calls, self.side_calls, self.by = 0.0, 0, 0, 0, {}
        self.seconds = 0.0

    @staticmethod
    def _asked(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        context["scale_consistent"] = bool(params.get("ConsistentRead")) or any(
            bool(r.get("ConsistentRead")) for r in params.get("RequestItems", {}).values()
        )
        table = params.get("TableName") or ",".join(params.get("RequestItems", {}))
        context["scale_table"] = table
        index = f"/{params['IndexName']}" if params.get("IndexName") else ""
        context["scale_what"] = f"{model.name} {table.rsplit('-', 1)[-1]}{index}"
        context["scale_index"] = params.get("IndexName")
        context["scale_asked"] = (
            {params["TableName"]: 1}
            if model.name == "GetItem"
            else {t: len(r.get("Keys", [])) for t, r in params.get("RequestItems", {}).items()}
        )

    def _read(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        started = time.thread_time()
        try:
            self._size(parsed, model, context)
        finally:
            with self._lock:
                self.seconds += time.thread_time() - started

    def _size(self, parsed: dict[str, Any], model: Any, context: dict[str, Any]) -> None:
        share = 1.0 if context.get("scale_consistent") else 0.5
        if model.name in ("Scan", "Query"):
            table, index = str(context.get("scale_table")), context.get("scale_index")
            page = sum(_stored_size(table, index, i) for i in parsed.get("Items", []))
            walked, _ONLY.walked = getattr(_ONLY, "walked", None), None
            if walked is not None and parsed.get("ScannedCount", 0) > parsed.get("Count", 0):
                page = max(page, walked)  # a filter dropped some: billed for all it read
            self._count(context, page, max(1, math.ceil(page / 4096)) * share)
        elif model.name in ("GetItem", "BatchGetItem"):
            found = {str(context.get("scale_table")): [parsed["Item"]]} if "Item" in parsed else {}
            found |= parsed.get("Responses", {})
            sizes = [_stored_size(t, None, i) for t, items in found.items() for i in items]
            asked: dict[str, int] = context.get("scale_asked") or {}
            missing = sum(n - len(found.get(t, [])) for t, n in asked.items())
            units = sum(math.ceil(s / 4096) for s in sizes) + max(0, missing)
            self._count(context, sum(sizes), units * share)

    def _count(self, context: dict[str, Any], size: int, units: float) -> None:
        with self._lock:
            self.calls += 1
            self.side_calls += threading.current_thread() is not threading.main_thread()
            self.bytes += size
            self.read_units += units
            each = self.by.setdefault(str(context.get("scale_what")), [0, 0.0])
            each[0] += 1
            each[1] += units


def _stored_size(table: str, index: str | None, sent: dict[str, Any]) -> int:
    """What DynamoDB bills for an item a read sent back (`sent`, maybe projected): the item as
    the table stores it, or as the index holds it (its projection); `sent` itself when moto no
    longer holds it (deleted since)."""
    held = dynamodb_backends[ACCOUNT][REGION].get_table(table)
    hash_key = DynamoType(sent[held.hash_key_attr])
    range_key = DynamoType(sent[held.range_key_attr]) if held.range_key_attr else None
    stored = held.get_item(hash_key, range_key)
    if stored is None:
        return item_size(sent)
    if index is not None:
        stored = held.get_index(index).project(stored)
    return item_size(stored.to_json()["Attributes"])
