"""The rollup fold's transaction actions (store.rollup_fold): an ADD with its index keys, and a
Delete while the item holds exactly what was read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from socialscore.domain.rollup_fold import Expect


def update(table: str, key: str, add: dict[str, Decimal], sets: dict[str, str]) -> dict[str, Any]:
    """ADD `add` to an item and SET `sets` on it (its index keys, a team)."""
    names = {f"#a{n}": a for n, a in enumerate(add)}
    values = {f":a{n}": _number(v) for n, v in enumerate(add.values())}
    names |= {f"#s{n}": s for n, s in enumerate(sets)}
    values |= {f":s{n}": {"S": v} for n, v in enumerate(sets.values())}
    adds = ", ".join(f"#a{n} :a{n}" for n in range(len(add)))
    assigned = ", ".join(f"#s{n} = :s{n}" for n in range(len(sets)))
    return {
        "TableName": table,
        "Key": {"pk": {"S": key}},
        "UpdateExpression": (f"ADD {adds} " if adds else "") + f"SET {assigned}",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def delete(table: str, key: str, expect: Expect) -> dict[str, Any]:
    """Delete while the item holds exactly `expect` (a score write in between changes at
    least one counter)."""
    names = {f"#c{n}": c for n, c in enumerate(expect)}
    values = {f":c{n}": _number(v) for n, v in enumerate(expect.values()) if v is not None}
    clauses = [
        f"#c{n} = :c{n}" if v is not None else f"attribute_not_exists(#c{n})"
        for n, v in enumerate(expect.values())
    ]
    delete: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": {"S": key}},
        "ConditionExpression": " AND ".join(clauses),
        "ExpressionAttributeNames": names,
    }
    if values:
        delete["ExpressionAttributeValues"] = values
    return delete


def _number(amount: Decimal) -> dict[str, str]:
    return {"N": format(amount, "f")}
