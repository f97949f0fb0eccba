"""moto's DynamoDB reads at the cost of what they return, not of the table: same answers.

moto (5.2) answers a Query on a table by sorting every item of the table by its key, then
keeping the queried partition; a Query on an index and a Scan sort every item too. Each sort
compares DynamoType keys, and each comparison converts both values again (a Decimal built per
number): on the ops tests' demo state, a third of moto's time went there, growing with every
item stored.

Here a table Query's item list is its partition's (the items whose hash key equals the
queried one: exactly those moto kept after its filter), and every such sort compares each key's
converted value, computed once per item, when a key position holds one type throughout: the
order moto's DynamoType comparisons give, item for item. Mixed key types sort as moto does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_INDEX_NAME_AT = 6  # Table.query's positional arguments after the hash key: index_name's place


def install() -> None:
    """Once a process: moto_costs' _fixed_once."""
    from moto.dynamodb.models.table import Table

    queried = threading.local()  # the table (its id) and partition a Query on this thread reads
    query = Table.query

    def partition_query(self: Any, hash_key: Any, *arguments: Any, **named: Any) -> Any:
        index_name = named.get(
            "index_name", arguments[_INDEX_NAME_AT] if len(arguments) > _INDEX_NAME_AT else None
        )
        if index_name is not None or hash_key is None:
            return query(self, hash_key, *arguments, **named)
        queried.table, queried.hash_key = id(self), hash_key
        try:
            return query(self, hash_key, *arguments, **named)
        finally:
            queried.table = queried.hash_key = None

    def all_items(self: Any) -> list[Any]:
        if getattr(queried, "table", None) == id(self):
            held = self.items.get(queried.hash_key)
            partitions: list[Any] = [] if held is None else [held]
        else:
            partitions = list(self.items.values())
        items: list[Any] = []
        for hash_set in partitions:
            if self.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)
        return _sorted(items, lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def sorted_items(
        self: Any, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Any]
    ) -> list[Any]:
        attrs_to_sort_by = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        items[:] = _sorted(items, lambda x: tuple([x.attrs[key] for key in attrs_to_sort_by]))
        return items

    Table.query = partition_query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    Table.sorted_items = sorted_items  # type: ignore[method-assign]


def _sorted(items: list[Any], key: Callable[[Any], Any]) -> list[Any]:
    """sorted(items, key=key) for keys of DynamoTypes (or tuples of them), comparing their
    converted values when each position holds one type: the same comparisons' outcomes."""
    keys = [key(item) for item in items]
    plain = _plain(keys)
    if plain is None:
        return sorted(items, key=key)
    order = sorted(range(len(items)), key=plain.__getitem__)  # stable, as sorted() is
    return [items[n] for n in order]


def _plain(keys: list[Any]) -> list[Any] | None:
    """Each key's converted values, or None where moto's own comparisons must decide: keys of
    different shapes, or a position holding two types (DynamoType equality needs the type)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if not keys:
        return []
    if all(type(k) is DynamoType for k in keys):
        if len({k.type for k in keys}) != 1:
            return None
        return [k.cast_value for k in keys]
    if not all(type(k) is tuple for k in keys) or len({len(k) for k in keys}) != 1:
        return None
    for position in zip(*keys, strict=True):
        if not all(type(v) is DynamoType for v in position) or len({v.type for v in position}) != 1:
            return None
    return [tuple(v.cast_value for v in k) for k in keys]
