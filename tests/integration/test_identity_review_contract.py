"""The identity review queue's contract, in memory (socialscore_local.memory.identity_review)
and in the sync-state table (moto): a contact read again replaces its waiting reviews, a decided
one is never queued again, an erasure leaves no entry naming the person and bars the contact,
and the bookmark reads back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from socialscore.domain.identity_plan import Decision, Doubt, Review, ReviewEntry
from socialscore.pipeline.crm_identities import ReviewQueue
from socialscore.store.identity_review import IdentityReview
from socialscore_local.memory.identity_review import MemoryIdentityReview
from tests.integration.moto_tables import moto_table

__all__ = ["moto_table"]  # the fixture `queue` asks for
T0 = datetime(2026, 12, 6, 9, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def queue(request: pytest.FixtureRequest) -> ReviewQueue:
    if request.param == "memory":
        return MemoryIdentityReview()
    make = request.getfixturevalue("moto_table")
    return IdentityReview(make("SyncStateTable"))


def doubts(queue: ReviewQueue) -> dict[str, tuple[Doubt, Decision]]:
    return {k: (e.review.doubt, e.status) for k, e in queue.entries().items()}


def test_a_contact_read_again_replaces_its_waiting_reviews(queue: ReviewQueue) -> None:
    a = Review("x#1", "c1", Doubt.WOULD_MOVE, "c9", "o-1")
    b = Review("x#2", "c2", Doubt.CLAIMED_BY_SEVERAL)
    queue.queue([a, b], {"c1", "c2"}, T0)
    assert queue.entries()["x#1#c1"] == ReviewEntry(a, Decision.PENDING, T0.isoformat())

    queue.queue([], {"c1"}, T0)  # c1 read again: its field no longer names x#1

    assert doubts(queue) == {"x#2#c2": (Doubt.CLAIMED_BY_SEVERAL, Decision.PENDING)}


def test_a_decided_review_stays_decided_when_the_same_match_comes_again(
    queue: ReviewQueue,
) -> None:
    a = Review("x#1", "c1", Doubt.WOULD_MOVE, "c9")
    queue.queue([a], {"c1"}, T0)
    queue.write([ReviewEntry(a, Decision.REJECTED, T0.isoformat(), T0.isoformat())])

    queue.queue([a], {"c1"}, T0)
    queue.queue([], {"c1"}, T0)

    assert doubts(queue) == {"x#1#c1": (Doubt.WOULD_MOVE, Decision.REJECTED)}


def test_an_erasure_leaves_no_entry_naming_the_person_and_bars_the_contact(
    queue: ReviewQueue,
) -> None:
    queue.queue(
        [
            Review("x#1", "c1", Doubt.WOULD_MOVE, "c9"),
            Review("x#2", "c2", Doubt.WOULD_MOVE, "c1"),
            Review("x#3", "c3", Doubt.NO_LONGER_RESOLVES, "c3"),
            Review("x#4", "c4", Doubt.CLAIMED_BY_SEVERAL),
        ],
        {"c1", "c2", "c3", "c4"},
        T0,
    )

    queue.forget({"c1"}, {"x#3"})

    assert list(queue.entries()) == ["x#4#c4"]
    assert queue.erased(["c1", "c4"]) == {"c1"}


def test_the_bookmark_reads_back_per_crm(queue: ReviewQueue) -> None:
    assert queue.bookmark("hubspot") is None
    queue.save_bookmark("hubspot", "2026-12-06T09:00:00Z")
    assert queue.bookmark("hubspot") == "2026-12-06T09:00:00Z"
    assert queue.bookmark("salesforce") is None


def test_erasures_beyond_one_item_s_400_kb_are_all_kept(moto_table: Any) -> None:
    # 24,000 X ids of 21 characters, some 500 KB: more than one DynamoDB item holds (moto lets an
    # ADD to a set grow past it, so the items' sizes are measured), a run's erasures at a time.
    table = moto_table("SyncStateTable")
    queue = IdentityReview(table)
    ids = [f"x#{10**18 + n}" for n in range(24_000)]
    for start in range(0, len(ids), 2_000):
        queue.forget({f"c{start}"}, set(ids[start : start + 2_000]))

    assert queue.erased([ids[0], ids[-1], "c22000", "x#1"]) == {ids[0], ids[-1], "c22000"}
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert max(map(item_bytes, items)) < 400_000  # DynamoDB's limit, in UTF-8 bytes


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: names and values (strings and string sets)."""
    size = 0
    for name, value in item.items():
        ((kind, held),) = value.items()
        size += len(name) + sum(len(v) for v in (held if kind == "SS" else [held]))
    return size


def test_reviews_beyond_one_item_s_400_kb_can_be_queued(moto_table: Any) -> None:
    # 12,000 contacts naming their company's account, queued a run's share at a time: their keys
    # (40 characters each, 480 KB) in one index item, DynamoDB would refuse the queue's writes
    # past 400 KB (moto lets an ADD to a set grow past it: the items' sizes are measured).
    table = moto_table("SyncStateTable")
    queue = IdentityReview(table)
    for start in range(0, 12_000, 2_000):
        contacts = {f"003A{n:014}" for n in range(start, start + 2_000)}
        reviews = [Review("x#1000000000000000001", c, Doubt.WOULD_MOVE, "c0") for c in contacts]
        queue.write([ReviewEntry(r, Decision.PENDING, T0.isoformat()) for r in reviews])

    keys = ["review#index", *(f"review#index#{n}" for n in range(16))]  # its items, as it says
    index = boto3.client("dynamodb").batch_get_item(
        RequestItems={table: {"Keys": [{"key": {"S": k}} for k in keys]}}
    )["Responses"][table]
    assert max(map(item_bytes, index)) < 400_000  # DynamoDB's limit, in UTF-8 bytes


def test_the_bar_on_erased_ids_names_nobody(moto_table: Any) -> None:
    # Nothing crm_sync keeps names an erased person once it took the erasure: the bar keeps what
    # knows the ids again (their hashes), never the ids.
    table = moto_table("SyncStateTable")
    queue = IdentityReview(table)
    queue.forget({"003A00000000000777"}, {"x#987654321012345678"})

    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert items  # the bar is kept
    assert not [
        i for i in items if "003A00000000000777" in str(i) or "987654321012345678" in str(i)
    ]
    assert queue.erased(["003A00000000000777", "x#987654321012345678", "x#1"]) == {
        "003A00000000000777",
        "x#987654321012345678",
    }
