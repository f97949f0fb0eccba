"""The rollup fold's refused transactions on the table (moto, store.rollup_fold): each refused
name is found by the cancellation reasons' places, which follow the actions actually sent; a
name whose other shards sum to 0 sends no pending update, only its deletes."""

from __future__ import annotations

from decimal import Decimal

from socialscore.aws import clients
from socialscore.domain import rollup_fold
from socialscore.domain.aggregates import COUNTER_SHARDS
from socialscore.domain.rollups import Dimension, RollupKey
from socialscore.store import dynamo
from socialscore.store.rollup_fold import RollupFold
from socialscore.store.rollup_fold_actions import DayRead
from socialscore.store.scores import index_attributes, item_key
from tests.integration.moto_tables import moto_table

__all__ = ["moto_table"]
DAY = "2026-11-02"


def held(touches: int) -> dict[str, Decimal]:
    return {"organic_touches": Decimal(touches), "organic_points": Decimal(touches)}


def test_names_refused_after_names_that_move_nothing_are_read_again_and_folded(
    moto_table: object,
) -> None:
    make = moto_table
    assert callable(make)
    table = make("ScoresTable")
    zero = {0: held(2), 1: held(1), 2: held(-1)}  # its other shards sum to 0: deletes only
    stale = {0: held(1), 1: held(1)}  # shard 1 holds 2 by now: its delete is refused
    read = DayRead(DAY, Dimension.POST)
    read.shards = {"x#1": dict(zero), "x#2": dict(zero), "x#3": dict(stale), "x#4": dict(stale)}
    for name, shards in read.shards.items():
        for shard, counters in shards.items():
            key = RollupKey(DAY, Dimension.POST, name, shard)
            now = held(2) if name in ("x#3", "x#4") and shard == 1 else counters
            item = {"pk": item_key(key)} | index_attributes(key) | now
            clients.client("dynamodb").put_item(TableName=table, Item=dynamo.to_item(item))

    fold = RollupFold(table, oldest_back=10)
    [group] = rollup_fold.groups(rollup_fold.plan(read.shards))
    assert fold.finish(fold.move(read, group))

    # The two refused names read again (consistent), no other, then folded
    assert fold.counts.items_read == 2 * COUNTER_SHARDS
    assert fold.counts.left == {}
    rows = {i["pk"]: i for i in dynamo.scan(table)}
    assert sorted(rows) == [
        item_key(RollupKey(DAY, Dimension.POST, f"x#{n}", 0)) for n in (1, 2, 3, 4)
    ]
    assert [rows[k]["organic_touches"] for k in sorted(rows)] == [2, 2, 3, 3]
