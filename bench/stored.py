"""What a DynamoDB table bills for storage, sized as DynamoDB sizes items
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)."""

from __future__ import annotations

import math
from typing import Any

from socialscore_local.runtime import LocalRuntime

ITEM_OVERHEAD = 100  # bytes a stored item costs beyond its attributes, and per index copy


def table_storage(rt: LocalRuntime, logical: str) -> dict[str, float]:
    """Bytes a table bills for (items, and their copies in its global secondary indexes) and
    the index writes its items cost when first written."""
    client = rt.client("dynamodb")
    name = rt.table(logical)
    indexes = client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])
    keys = [a["AttributeName"] for a in client.describe_table(TableName=name)["Table"]["KeySchema"]]
    total = {"items": 0.0, "bytes": 0.0, "index_wru": 0.0}
    for page in client.get_paginator("scan").paginate(TableName=name):
        for item in page["Items"]:
            size = item_size(item)
            total["items"] += 1
            total["bytes"] += size + ITEM_OVERHEAD
            for index in indexes:
                index_keys = [a["AttributeName"] for a in index["KeySchema"]]
                if not all(k in item for k in index_keys):
                    continue  # sparse: not in this index
                copied = (
                    item
                    if index["Projection"]["ProjectionType"] == "ALL"
                    else {k: item[k] for k in {*keys, *index_keys}}
                )
                total["bytes"] += item_size(copied) + ITEM_OVERHEAD
                total["index_wru"] += math.ceil(item_size(copied) / 1024)
    return total


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of an attribute value (names counted by the caller)."""
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(e) for k, e in v.items())
    sizes = {"SS": lambda e: len(e.encode()), "NS": _number_size, "BS": len}
    return sum(sizes[kind](e) for e in v)


def _number_size(text: str) -> int:
    """1 byte per two significant digits (leading and trailing zeros trimmed), plus 1."""
    digits = len(text.lstrip("-").split("E")[0].replace(".", "").strip("0"))
    return (digits + 1) // 2 + 1
