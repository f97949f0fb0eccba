"""Where moto's cost grows with the data it holds, made flat: same answers, less work.

A pilot's stream through the local runtime slowed as its tables filled and never stopped
growing in memory, for reasons in moto itself (5.x):
- TransactWriteItems deep-copies every table a transaction names, once per action, to roll
  back on failure: a transaction costs (actions x table size), so a run is quadratic;
- every model instance is kept in a class-level list for moto's dashboard, deep copies too:
  nothing moto ever built is freed;
- SQS reads the clock through datetime arithmetic (≈ 15 µs a reading) once or twice per
  message in the queue for every receive, builds every queue attribute (names converted by
  regular expressions, three passes over the queue) for each message it takes or hands out,
  and draws a receipt handle one random letter at a time.
All are fixed here for the runtime's process: `install()` after each mock start (with the
per-call repeats of moto_dynamodb_costs: parsing, copying and serializing the same thing again,
moto_table_reads: a Query sorting the whole table, moto_items: an item's values copied and sized
one by one, and moto_requests: what every request of any service redoes).

A transaction keeps, instead of the tables, the original of each item it names (what DynamoDB's
own all-or-nothing means: only those items can change) and puts them back when it fails. The
tables have no streams, so there is nothing else a write leaves behind.
"""

from __future__ import annotations

import copy
import functools
import random
import string
import threading
import time
from typing import Any

from socialscore_local import moto_dynamodb_costs, moto_items, moto_requests, moto_table_reads

# The services whose models the runtime builds by the thousand.
_UNTRACKED_SERVICES = ("dynamodb", "sqs")


class _Sink(list[Any]):
    """An instance list that keeps nothing: moto's dashboard is not served here."""

    def append(self, _item: Any) -> None:
        return None


def install() -> None:
    """Every fix below; run after each mock start (moto resets its instance lists then)."""
    _fixed_once()
    _untrack_instances()


@functools.cache
def _fixed_once() -> None:
    """The fixes to moto's classes and modules: once a process (a second would wrap the
    first), here rather than behind a mark on each class patched."""
    _roll_back_items_not_tables()
    _sqs_without_per_message_scans()
    moto_dynamodb_costs.install()
    moto_table_reads.install()
    moto_items.install()
    moto_requests.install()


def _untrack_instances() -> None:
    """Stop moto keeping every DynamoDB and SQS object alive."""
    from moto.core.model_instances import model_data

    for service in _UNTRACKED_SERVICES:
        for model in model_data.get(service, {}).values():
            model.instances_tracked = _Sink()  # type: ignore[attr-defined]


def _roll_back_items_not_tables() -> None:
    """TransactWriteItems keeps the originals of the items it names instead of whole tables."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    whole_tables = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        originals = _originals(self.tables, transact_items)
        try:
            whole_tables(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(originals):
                _put_back(table, hash_key, range_key, item)
            raise

    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    # moto's own rollback copies are now the tables themselves: its restore is a no-op, ours
    # above does the work. Every other deep copy in the module is still a deep copy.
    models.copy = _TablesNotCopied(Table)  # type: ignore[attr-defined,assignment]


def _sqs_without_per_message_scans() -> None:
    """moto's SQS with time.time() for its clock, attribute names converted once, a receipt
    handle drawn in one call, and a receive's retention check reading the queue's setting
    instead of building every attribute: the same values."""
    from moto.sqs import models

    backend = models.SQSBackend
    from moto.core.utils import unix_time

    def now(dt: Any = None) -> float:
        return time.time() if dt is None else float(unix_time(dt))

    def still_retained(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > time.time())

    _counts_only_when_asked(models)
    models.unix_time = now  # type: ignore[attr-defined]
    models.unix_time_millis = lambda dt=None: now(dt) * 1000.0  # type: ignore[attr-defined]
    models.camelcase_to_underscores = functools.cache(models.camelcase_to_underscores)  # type: ignore[attr-defined]
    models.generate_receipt_handle = _receipt_handle  # type: ignore[attr-defined]
    backend.is_message_valid_based_on_retention_period = still_retained  # type: ignore[method-assign]


def _counts_only_when_asked(models: Any) -> None:
    """A queue's attributes hold its three message counts, one pass over the queue each; moto
    builds them for every message sent (to read ContentBasedDeduplication) and every message
    received. Count only for GetQueueAttributes, the one call that returns them."""
    asked = threading.local()
    queue, backend = models.Queue, models.SQSBackend
    for name in (
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    ):
        count = getattr(queue, name).fget

        def counted(self: Any, count: Any = count) -> int:
            return int(count(self)) if getattr(asked, "counts", False) else 0

        setattr(queue, name, property(counted))
    attributes_of = backend.get_queue_attributes

    def get_queue_attributes(self: Any, queue_name: str, names: list[str]) -> dict[str, Any]:
        asked.counts = True
        try:
            return dict(attributes_of(self, queue_name, names))
        finally:
            asked.counts = False

    backend.get_queue_attributes = get_queue_attributes


def _receipt_handle() -> str:
    # Unique, as long and of the same letters as moto's; not a secret (SQS's are opaque).
    return "".join(random.choices(string.ascii_lowercase, k=185))  # noqa: S311


class _TablesNotCopied:
    """`copy` as moto's DynamoDB backend sees it, with a table's deep copy being the table."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _originals(tables: dict[str, Any], actions: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(table, hash key, range key, a copy of the item or None) for every item named."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: list[tuple[Any, ...]] = []
    for action in actions:
        for op_type, op in action.items():
            table = tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
            if table is None:
                continue  # moto refuses it before writing anything
            key = op.get("Item" if op_type == "Put" else "Key") or {}
            if table.hash_key_attr not in key:
                continue
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in key:
                    continue
                range_key = DynamoType(key[table.range_key_attr])
            item = _stored(table, hash_key, range_key)
            saved.append((table, hash_key, range_key, copy.deepcopy(item)))
    return saved


def _stored(table: Any, hash_key: Any, range_key: Any) -> Any:
    if range_key is None:
        return table.items.get(hash_key)
    return table.items.get(hash_key, {}).get(range_key)


def _put_back(table: Any, hash_key: Any, range_key: Any, item: Any) -> None:
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
    elif item is None:
        table.items.get(hash_key, {}).pop(range_key, None)
    else:
        table.items[hash_key][range_key] = item
