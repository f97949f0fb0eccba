"""The erasures waiting for crm_sync, in memory and on the SyncStateTable (moto): spread over
items by id, so 12,000 waiting at once (about 500 KB of ids, more than DynamoDB's 400 KB an
item) are kept and read back, and taken off as they are done; the one item an earlier release
kept them in is read and moved."""

from __future__ import annotations

from typing import Protocol

import boto3
import pytest

from socialscore.pipeline.ports import CrmPending, SyncStateStore
from socialscore.store.sync_state import SyncState
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.moto_tables import moto_table

__all__ = ["moto_table"]  # the fixture the contracts below ask for

# Salesforce contact ids are 18 characters; a HubSpot id fewer: these are 40.
CONTACTS = [f"003{n:037}" for n in range(12_000)]


class PendingState(SyncStateStore, CrmPending, Protocol):
    """What the score stage marks and crm_sync reads: the one table."""


# DynamoDB's item size limit, which moto does not enforce:
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
ITEM_BYTES = 400 * 1024


@pytest.fixture(params=["memory", "dynamodb"])
def state(request: pytest.FixtureRequest) -> PendingState:
    if request.param == "memory":
        return MemorySyncState(Requests(Clock()))
    make = request.getfixturevalue("moto_table")
    return SyncState(make("SyncStateTable"))


def test_more_erasures_than_an_item_holds_wait_and_go_as_they_are_done(
    state: PendingState,
) -> None:
    for n in range(0, len(CONTACTS), 1000):  # as the score stage marks them, a batch at a time
        state.mark_erased(CONTACTS[n : n + 1000], [f"x#{n}"])
    if isinstance(state, SyncState):  # each item within DynamoDB's limit
        items = boto3.client("dynamodb").scan(TableName="SyncStateTable")["Items"]
        sizes = [sum(len(v) for a in i.values() for v in a.get("SS", ())) for i in items]
        assert len(items) > 1
        assert max(sizes) < ITEM_BYTES / 4  # room to grow fourfold

    assert state.pending() == (set(CONTACTS), {f"x#{n}" for n in range(0, 12_000, 1000)})

    state.done(CONTACTS[:100], ["x#0"])

    assert state.pending() == (set(CONTACTS[100:]), {f"x#{n}" for n in range(1000, 12_000, 1000)})


def test_the_single_item_of_an_earlier_release_is_read_and_moved(moto_table: object) -> None:
    table = moto_table("SyncStateTable")  # type: ignore[operator]
    boto3.client("dynamodb").put_item(
        TableName=table,
        Item={"key": {"S": "pending#erased"}, "contacts": {"SS": ["c1", "c2"]}},
    )
    state = SyncState(table)

    assert state.pending() == ({"c1", "c2"}, set())
    state.done(["c1"])

    assert state.pending() == ({"c2"}, set())
    keys = [i["key"]["S"] for i in boto3.client("dynamodb").scan(TableName=table)["Items"]]
    assert "pending#erased" not in keys
