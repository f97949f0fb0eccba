"""crm_sync's run lease, in memory and on the SyncStateTable (moto): one run holds it at a time,
until it gives it back or its time ends; a refused run is told until when; a run never gives
back another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialscore.pipeline.ports import SyncStateStore
from socialscore.store.sync_state import SyncState
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.moto_tables import moto_table

__all__ = ["moto_table"]  # the fixture the contracts below ask for

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
RUN = timedelta(seconds=360)  # a 300 s invocation and its margin


@pytest.fixture(params=["memory", "dynamodb"])
def state(request: pytest.FixtureRequest) -> SyncStateStore:
    if request.param == "memory":
        return MemorySyncState(Requests(Clock()))
    make = request.getfixturevalue("moto_table")
    return SyncState(make("SyncStateTable"))


def test_one_run_holds_the_lease_until_it_gives_it_back(state: SyncStateStore) -> None:
    assert state.take_lease("run-1", AT, AT + RUN) is None
    later = AT + timedelta(seconds=30)
    assert state.take_lease("run-2", later, later + RUN) == AT + RUN  # told until when

    state.release_lease("run-1")

    assert state.take_lease("run-2", later, later + RUN) is None


def test_a_lease_past_its_time_is_taken_and_its_old_owner_cannot_give_it_back(
    state: SyncStateStore,
) -> None:
    state.take_lease("run-1", AT, AT + RUN)  # cut off by the timeout: never given back
    at = AT + RUN + timedelta(seconds=1)
    assert state.take_lease("run-2", at, at + RUN) is None

    state.release_lease("run-1")  # run-1's late end leaves run-2's lease alone

    third = at + timedelta(seconds=5)
    assert state.take_lease("run-3", third, third + RUN) == at + RUN


def test_the_same_run_takes_its_lease_again(state: SyncStateStore) -> None:
    """A retry of an invocation keeps its request id: the run it retries is over."""
    state.take_lease("run-1", AT, AT + RUN)
    later = AT + timedelta(seconds=90)
    assert state.take_lease("run-1", later, later + RUN) is None
    other = later + RUN - timedelta(seconds=1)
    assert state.take_lease("run-2", other, other + RUN) == later + RUN
