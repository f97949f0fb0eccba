"""moto made quicker at the rollup fold's writes, for bench/scale.py (the local runtime already
copies only the items a transaction names: socialscore_local.moto_costs).

Neither changes an answer: what moto accepts, refuses (each condition, each CancellationReason),
returns and stores is its own, and the calls, read and write units and bytes the bench meters are
the same. Both act inside moto's answer to a call, whose CPU time the bench takes out of the
Lambda's (scale_measure: the reader's own CPU plus 8 ms a call), so the time model is untouched:
only the bench's own wait on moto is shorter.

- `quick_conditions`: moto lexes a condition expression character by character on every
  action (the fold's deletes name all 18 counters: a quarter of a transaction's time on moto); the
  fold's expressions repeat, so each is lexed once (the lexer reads the expression alone, the
  names and values are applied after it, and its nodes are never changed: the same parse).
- `kept_groups`: while the seeded state is folded (a Query of `by_day` between writes, days
  on end), scale_moto's quick reads would sort the scores table again after every write
  (each write forgets them); meanwhile each write moves its items between the index groups
  instead, and every table is sorted once again after (warm). A Query's answer is the same:
  moto sorts a group's items itself. The measured reads that write (the report, the fold of a
  day) run within it too, without the warm: otherwise the fold's next Query after a write sorts
  and groups the whole scores table again inside the measured process, counted in the read's
  peak memory though a Lambda holds nothing of it (growing with the table: 0.1 / 0.3 MB of the
  fold of a day's 1.6 / 2.6 MB at 1,000 / 2,000 profiles; the same calls, read and write units
  and bytes within and without); within it the peak is the product's."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import scale_moto
from moto.dynamodb import comparisons
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table


def quick_conditions() -> None:
    parser = comparisons.ConditionExpressionParser
    if getattr(parser, "_scale_lexed", False):
        return
    lex = parser._lex_condition_expression
    lexed: dict[str, tuple[Any, ...]] = {}

    def once(self: Any) -> Any:
        expression = self.condition_expression
        if expression not in lexed:
            lexed[expression] = tuple(lex(self))  # nodes are tuples: never changed
        return deque(lexed[expression])

    setattr(parser, "_lex_condition_expression", once)  # noqa: B010
    setattr(parser, "_scale_lexed", True)  # noqa: B010


@contextmanager
def kept_groups(rewarm: bool = True) -> Iterator[None]:
    """Within: the quick reads' index groups kept up to date by the writes of UpdateItem and
    TransactWriteItems (the fold's), never sorted again; after: every table read afresh (warm).
    With `rewarm` False a measured process ends there: what was kept is left as it is (dropping
    a 100,000-profile state's sorted tables and sizes took 1.8 s of CPU, counted as the read's
    own). No Scan may follow a write within (it would see the items as they were)."""
    writes = {n: getattr(DynamoDBBackend, n) for n in ("update_item", "transact_write_items")}

    def keeping(name: str) -> Any:
        def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            if name == "update_item":
                name_of = str(kwargs["table_name"] if "table_name" in kwargs else args[0])
                named = [(name_of, _key(args, kwargs))]
            else:
                ops = [
                    next(iter(a.values())) for a in (args[0] if args else kwargs["transact_items"])
                ]
                named = [(op["TableName"], op.get("Key") or op["Item"]) for op in ops]
            keys = [(self.get_table(t), k) for t, k in named]
            before = [(table, key, _item(table, key)) for table, key in keys]
            held = dict(scale_moto._HELD)  # the write forgets them: kept, then moved
            try:
                return writes[name](self, *args, **kwargs)
            finally:
                scale_moto._HELD.update(held)
                for table, key, old in before:
                    _moved(table, old, _item(table, key))

        return write

    for name in writes:
        setattr(DynamoDBBackend, name, keeping(name))
    try:
        yield
    finally:
        for name, write in writes.items():
            setattr(DynamoDBBackend, name, write)
        if rewarm:
            scale_moto._HELD.clear()
            scale_moto._SIZES.clear()
            scale_moto.warm()


def _key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    return dict(kwargs["key"] if "key" in kwargs else args[1])


def _item(table: Table, key: dict[str, Any]) -> Any:
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return table.get_item(hash_value, range_value)


def _moved(table: Table, old: Any, new: Any) -> None:
    """An item written: out of the group it was in, into the one it is in now (by identity:
    moto updates an item in place)."""
    held = scale_moto._HELD.get(id(table))
    if held is None:
        return
    for name, groups in held.groups.items():
        if old is not None and (was := old.attrs.get(name)) is not None:
            group = groups.get(was.value, [])
            for n, item in enumerate(group):
                if item is old:
                    del group[n]
                    break
        if new is not None and (now := new.attrs.get(name)) is not None:
            groups.setdefault(now.value, []).append(new)
