"""bench/index_writes.py, the index write units in the README's monthly bill: an index entry is
charged each time a write changes it, as DynamoDB documents
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from socialscore_ops.template import Template

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["pk"]
# The scores table's two indexes, as template.yaml declares them.
TABLES = Template.read(ROOT / "template.yaml").of_type("AWS::DynamoDB::Table")
INDEXES = {i["IndexName"]: i for i in TABLES["ScoresTable"]["GlobalSecondaryIndexes"]}
BY_DAY, BY_UNITS = INDEXES["by_day"], INDEXES["by_units"]


@pytest.fixture(scope="module")
def index_writes() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("index_writes")
    finally:
        sys.path.remove(str(ROOT / "bench"))


def rollup(touches: int, **more: Any) -> dict[str, Any]:
    return (
        {"pk": {"S": "day#2026-11-01#post#p1#shard#0"}, "rollup": {"S": "2026-11-01#post"}}
        | {"touches": {"N": str(touches)}}
        | more
    )


def profile(units: str, **more: Any) -> dict[str, Any]:
    return (
        {"pk": {"S": "profile#x#1#organic"}, "rank": {"S": "organic#3"}}
        | {"units": {"N": units}}
        | more
    )


@pytest.mark.parametrize(
    ("index", "old", "new", "units"),
    [
        (BY_DAY, None, rollup(1), 1),  # a new day rollup enters the index
        (BY_DAY, rollup(1), rollup(2), 1),  # each later move rewrites its copy
        (BY_DAY, rollup(2), None, 1),  # deleted with the item
        (BY_DAY, profile("5"), profile("6"), 0),  # a profile not hot: not in by_day
        (BY_UNITS, None, profile("5"), 1),
        (BY_UNITS, profile("5"), profile("6"), 2),  # its key moves: delete, then put
        (BY_UNITS, profile("5"), profile("5", touches={"N": "3"}), 0),  # not projected
        (BY_DAY, rollup(1), rollup(1, big={"S": "x" * 1100}), 2),  # over 1 KB: 2 units
    ],
)
def test_an_index_write_costs_what_dynamodb_documents(
    index_writes: ModuleType,
    index: dict[str, Any],
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    units: int,
) -> None:
    assert index_writes._index_units(index, KEYS, old, new) == units
