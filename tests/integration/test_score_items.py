"""The ledger store's aggregate items on DynamoDB (moto): an act replaced or taken back leaves
the items one clean pass leaves (no counter at 0, no empty item), a count taken down while
another writer adds to it loses neither write, and a deleted post's marker is the same in any
order. The rules themselves are proven in memory (tests/unit/test_aggregate_items.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.domain.aggregates import PostCounter, shard_of
from socialscore.domain.decay import EPOCH
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.touch import Withdrawal
from socialscore.store import dynamo
from socialscore.store.ledger import Ledger
from socialscore.store.ledger_writes import marker_key
from socialscore.store.scores import item_key, rank_of
from tests.integration.support import ANA, Stack
from tests.unit.test_scoring import touch


def ledger(stack: Stack) -> Ledger:
    rt = stack.rt
    return Ledger(rt.table("LedgerTable"), rt.table("ScoresTable"), rt.table("SyncStateTable"))


def items(stack: Stack) -> dict[str, dict[str, Any]]:
    return {i.pop("pk"): i for i in dynamo.scan(stack.rt.table("ScoresTable"))}


@contextmanager
def before_transactions(hook: Any) -> Iterator[None]:
    """`hook(params)` before each TransactWriteItems the code under test sends (on the client
    it sends them with: a client copies its session's hooks when it is made)."""
    event = "before-parameter-build.dynamodb.TransactWriteItems"
    events = clients.client("dynamodb").meta.events
    events.register(event, hook, unique_id="score-items")
    try:
        yield
    finally:
        events.unregister(event, unique_id="score-items")


def test_a_like_re_sent_paid_then_taken_back_leaves_what_a_clean_pass_leaves(stack: Stack) -> None:
    organic = touch(Kind.LIKE, iid="o", seller=ANA, at=EPOCH)
    paid = touch(Kind.LIKE, iid="p", seller=ANA, category=Category.PAID, at=EPOCH)
    store = ledger(stack)
    assert store.record([organic]) == 1
    assert store.record([paid]) == 1
    shard = shard_of(paid)
    day = {"paid_touches": 1, "paid_points": Decimal("0.5"), "paid_like": 1}
    assert items(stack) == {
        "profile#x#actor1#paid": {
            "units": paid.units,
            "touches": 1,
            "rank": rank_of("x#actor1", Category.PAID),  # `by_units`: the report's spread
        },
        f"post#x#100#shard#{shard}": {"paid_like": 1, "rollup": "all#post"},
        f"seller#s-ana#shard#{shard}": {
            "paid_points": Decimal("0.5"),
            "paid_touches": 1,
            "team": "enterprise",
            "rollup": "all#seller",
        },
        # the day's rollups (domain.rollups), each under its day and dimension in `by_day`
        f"day#2026-01-01#network#x#shard#{shard}": day | {"rollup": "2026-01-01#network"},
        f"day#2026-01-01#post#x#100#shard#{shard}": day | {"rollup": "2026-01-01#post"},
        f"day#2026-01-01#seller#s-ana#shard#{shard}": day
        | {"rollup": "2026-01-01#seller", "team": "enterprise"},
    }
    assert store.record([Withdrawal(paid.profile, paid.dedupe_key, EPOCH + timedelta(days=1))])
    assert items(stack) == {}


def test_a_like_landing_between_the_read_and_the_unlike_s_write_is_kept(stack: Stack) -> None:
    first = touch(Kind.LIKE, iid="a", actor="actor1", at=EPOCH)
    # A second like on the same shard of the post: the unlike of the first leaves it there.
    second = next(
        t
        for n in range(100)
        if shard_of(t := touch(Kind.LIKE, iid=f"b{n}", actor=f"other{n}", at=EPOCH))
        == shard_of(first)
    )
    store = ledger(stack)
    store.record([first, second])
    shard_pk = item_key(PostCounter("x#100", shard_of(first)))
    table = stack.rt.table("ScoresTable")
    raced: list[bool] = []

    def another_batch_likes(params: dict[str, Any], **_: Any) -> None:
        conditioned = [
            a["Update"]
            for a in params["TransactItems"]
            if "Update" in a and a["Update"]["Key"].get("pk") == {"S": shard_pk}
        ]
        if conditioned and "ConditionExpression" in conditioned[0] and not raced:
            raced.append(True)  # a third like's ADD, from a concurrent batch, lands now
            stack.rt.client("dynamodb").update_item(
                TableName=table,
                Key={"pk": {"S": shard_pk}},
                UpdateExpression="ADD organic_like :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    with before_transactions(another_batch_likes):
        unlike = Withdrawal(first.profile, first.dedupe_key, EPOCH + timedelta(days=1))
        assert store.record([unlike]) == 1
    assert raced  # the unlike's write was conditioned on the count it read, and refused
    # second's and the concurrent one
    assert items(stack)[shard_pk] == {"organic_like": 2, "rollup": "all#post"}


def test_a_post_s_deletion_marker_keeps_the_earliest_report_in_either_order(
    stack: Stack,
) -> None:
    early, late = EPOCH + timedelta(hours=1), EPOCH + timedelta(hours=2)
    table = stack.rt.table("LedgerTable")
    for n, order in enumerate([(early, late), (late, early)]):
        post = f"x#90{n}"
        for at in order:
            ledger(stack).delete_post(post, at)
        profile, key = marker_key(post)
        [marker] = dynamo.batch_get_keys(table, [{"profile": profile, "touch": key}])
        assert marker["deleted_at"] == early.isoformat()
