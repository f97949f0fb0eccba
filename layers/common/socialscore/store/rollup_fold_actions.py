"""The rollup fold's (store.rollup_fold) reads and counts, and its transaction actions: an ADD
with its index keys, a Delete while the item holds exactly what was read, and the check that no
rebuild runs.

`socialscore rebuild` (store.rebuild) marks the fold's progress item `rebuilding` before it sets
the scores again, and deletes it when done: its writes are not conditioned, so a fold moving sums
between its read of an item and its write of it would count them twice or lose them. Every fold
transaction checks the mark (the check is one action of the transaction: refused all together,
docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html), so what a
fold did is either before the mark (the rebuild reads it, consistent) or not done at all. A
rebuild stopped half-way leaves the mark: the fold folds nothing until a rebuild finishes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from socialscore.domain.rollup_fold import Expect
from socialscore.domain.rollups import Dimension

PROGRESS = "day#folded"  # under `day#`: the report's role may write only `day#` items
REBUILDING = "rebuilding"  # the progress item's mark while a rebuild runs


class Rebuilding(Exception):
    """`socialscore rebuild` runs: the fold stops, nothing of its transaction written."""


@dataclass
class FoldCounts:
    """What a run did, for its log line and bench/scale.py."""

    days: list[str] = field(default_factory=list)  # folded whole
    names: int = 0  # folded into one item
    shards_deleted: int = 0
    pending_finished: int = 0  # pending items moved to their targets (one a name folded)
    left: Counter[str] = field(default_factory=Counter)  # reason -> names left (rebuilding: 1)
    calls: int = 0  # requests sent
    items_read: int = 0
    actions: int = 0  # transaction actions (each writes or checks one item)
    out_of_time: bool = False


@dataclass(frozen=True)
class Pending:
    """A pending item: sums bound for `target` (a shard's key), whose `by_day` key is `of`."""

    key: str
    target: str
    of: str
    team: str | None
    sums: dict[str, Decimal]


@dataclass
class DayRead:
    """One day's shards of one dimension, as read: name -> shard -> counters, and teams."""

    day: str
    dimension: Dimension
    shards: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)


def not_rebuilding(table: str) -> dict[str, Any]:
    """The action checking that no rebuild runs (the last of each fold transaction)."""
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"pk": {"S": PROGRESS}},
            "ConditionExpression": "attribute_not_exists(#r)",
            "ExpressionAttributeNames": {"#r": REBUILDING},
        }
    }


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
