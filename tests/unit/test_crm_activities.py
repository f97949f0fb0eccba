"""crm_sync's activity step, in memory: each counted interaction of a contact marked changed lands
once on its record, in ceil(new / batch limit) calls; a withdrawn act, an erased profile or a
profile linked elsewhere takes its activities off; a run the CRM stops converges on the next."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from socialscore.crm.base import CrmStopped
from socialscore.domain import record_key as rk
from socialscore.domain.record_key import Erasures
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_activities import ActivitySync
from socialscore.pipeline.crm_activities_due import pending
from socialscore.pipeline.crm_sync import CrmSync
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.crm import MemoryCrm
from socialscore_local.memory.crm_reads import MemoryIdentities, MemoryLedger, MemoryScores, share
from socialscore_local.memory.sync_state import MemorySyncState

MODEL = bundled()
NOW = datetime(2026, 11, 20, 6, tzinfo=UTC)


@dataclass
class World:
    step: ActivitySync
    crm: MemoryCrm
    state: MemorySyncState
    ledger: dict[str, list[Touch]]
    requests: Requests


def world(touches: dict[str, int], path: str = "hubspot") -> World:
    """Profiles with this many shares each in their ledger."""
    requests = Requests(Clock())
    ledger = {
        p: [share(p, n, NOW - timedelta(hours=n + 1), "s-ana", MODEL) for n in range(count)]
        for p, count in touches.items()
    }
    crm = MemoryCrm([], path=path)
    state = MemorySyncState(requests)
    step = ActivitySync(crm, MemoryLedger(requests, lambda p: ledger.get(p, [])), state)
    return World(step, crm, state, ledger, requests)


def on_record(w: World) -> dict[str, str]:
    """interaction id -> the contact whose record holds its activity."""
    return {
        k.id: v["contact_id"] for k, v in w.crm.held.items() if k.kind is rk.RecordKind.ACTIVITY
    }


def test_new_activities_land_once_in_ceil_n_over_the_batch_limit_calls() -> None:
    w = world({"x#1": 150, "x#2": 30})
    first = w.step({"c1": ["x#1", "x#2"]}, [], NOW)
    assert (first.pushed, first.calls, first.failed) == (180, math.ceil(180 / 100), {})
    assert set(on_record(w).values()) == {"c1"}
    assert len(on_record(w)) == 180
    w.ledger["x#2"].append(share("x#2", 999, NOW, "s-ana", MODEL))
    again = w.step({"c1": ["x#1", "x#2"]}, [], NOW)
    assert (again.pushed, again.calls) == (1, 1)  # only the new one
    idle = w.step({"c1": ["x#1", "x#2"]}, [], NOW)
    assert (idle.pushed, idle.removed, idle.calls) == (0, 0, 0)


def test_salesforce_takes_200_a_call() -> None:
    w = world({"x#1": 450}, path="salesforce")
    assert w.step({"c1": ["x#1"]}, [], NOW).calls == 3


def test_a_withdrawn_act_leaves_the_record() -> None:
    w = world({"x#1": 3})
    w.step({"c1": ["x#1"]}, [], NOW)
    w.ledger["x#1"].pop(0)  # an unlike: the ledger counts it no more
    result = w.step({"c1": ["x#1"]}, [], NOW)
    assert (result.removed, result.pushed) == (1, 0)
    assert sorted(on_record(w)) == ["x#1-1", "x#1-2"]


def test_an_erased_profile_has_every_activity_removed_and_its_state_forgotten() -> None:
    w = world({"x#1": 2, "x#2": 2})
    w.step({"c1": ["x#1", "x#2"]}, [], NOW)
    w.ledger.pop("x#2")  # the erasure deleted its ledger entries
    result = w.step({"c1": ["x#1"]}, ["x#2"], NOW)
    assert result.removed == 2
    assert sorted(on_record(w)) == ["x#1-0", "x#1-1"]
    w.state.forget(Erasures(set(), {"x#2"}), None, NOW)
    assert rk.activities("x#2") not in w.state.pushed([rk.activities("x#2")])


def test_a_profile_linked_to_another_contact_moves_its_activities() -> None:
    w = world({"x#1": 2})
    w.step({"c1": ["x#1"]}, [], NOW)
    result = w.step({"c2": ["x#1"]}, [], NOW)
    assert (result.removed, result.pushed) == (2, 2)
    assert set(on_record(w).values()) == {"c2"}


def test_a_stopped_push_keeps_what_landed_and_the_next_run_sends_only_the_rest() -> None:
    w = world({"x#1": 250})
    w.crm.stop_at = 1  # the second call: a daily limit
    with pytest.raises(CrmStopped):
        w.step({"c1": ["x#1"]}, [], NOW)
    assert len(on_record(w)) == 100
    changed = w.state.changed_since(NOW - timedelta(minutes=1), NOW + timedelta(minutes=20))
    assert changed[1] == {"c1"}  # marked: the next run derives it again
    result = w.step({"c1": ["x#1"]}, [], NOW)
    assert (result.pushed, result.calls) == (150, 2)
    assert len(on_record(w)) == 250


def test_crm_sync_brings_the_history_on_the_daily_pass_then_only_what_is_new() -> None:
    requests = Requests(Clock())
    ledger = {
        f"x#{n}": [share(f"x#{n}", k, NOW - timedelta(days=1), "s", MODEL) for k in range(3)]
        for n in range(5)
    }
    crm = MemoryCrm([], path="hubspot")
    state = MemorySyncState(requests)
    sync = five_contacts_sync(
        requests, crm, state, MemoryLedger(requests, lambda p: ledger.get(p, []))
    )
    first = sync.run(NOW)  # the day's decay pass reads every linked contact
    assert first.activities == 15
    assert len(on_memory(crm)) == 15
    ledger["x#2"].append(share("x#2", 7, NOW, "s", MODEL))
    state.mark_changed(NOW + timedelta(minutes=1), profiles=["x#2"])
    before = crm.calls
    second = sync.run(NOW + timedelta(hours=1))  # the same day: the marked contact alone
    assert second.activities == 1
    # The opportunities' read, the contact's score, one activity call: ceil(1 / 100).
    assert crm.calls - before == 3
    assert len(on_memory(crm)) == 16


@pytest.mark.parametrize("stop_at", range(6))
def test_a_run_stopped_at_any_call_converges_to_the_clean_runs_records(stop_at: int) -> None:
    def synced(stop: int | None) -> tuple[MemoryCrm, dict[str, object]]:
        requests = Requests(Clock())
        ledger = {
            f"x#{n}": [share(f"x#{n}", k, NOW - timedelta(days=1), "s", MODEL) for k in range(60)]
            for n in range(5)
        }
        crm = MemoryCrm([], path="hubspot", stop_at=stop)
        state = MemorySyncState(requests)
        touches = MemoryLedger(requests, lambda p: ledger.get(p, []))
        sync = five_contacts_sync(requests, crm, state, touches)
        for _ in range(5):
            try:
                sync.run(NOW)
            except CrmStopped:
                continue
            break
        kept = {k: v for k, v in state.items.items() if k.startswith("pushed#activities")}
        return crm, kept

    clean, clean_state = synced(None)
    stopped, stopped_state = synced(stop_at)
    assert stopped.held == clean.held  # 300 activities, each once
    assert stopped_state == clean_state


def test_a_run_that_fails_among_the_activities_leaves_the_rest_due_for_the_next() -> None:
    requests = Requests(Clock())
    ledger = {
        f"x#{n}": [share(f"x#{n}", k, NOW - timedelta(days=1), "s", MODEL) for k in range(60)]
        for n in range(5)
    }
    reads = 0

    def touches(profile: str) -> list[Touch]:
        nonlocal reads
        reads += 1
        if reads == 9:  # the store fails once: the step's read of the 4th contact
            raise ConnectionError("injected")
        return ledger[profile]

    crm = MemoryCrm([], path="hubspot")  # 100 a call
    state = MemorySyncState(requests)
    sync = five_contacts_sync(requests, crm, state, MemoryLedger(requests, touches))
    with pytest.raises(ConnectionError):
        sync.run(NOW)  # the day's pass: its slice saved, one full batch of its activities sent
    assert len(on_memory(crm)) == 100
    assert pending(state)[1] == 1  # the first contact's 60 are taken, the second's 40 of 60
    again = sync.run(NOW)  # the pass is done for the day: what was due is taken first
    assert len(on_memory(crm)) == 300
    assert again.activities == 200
    assert pending(state) == ({}, 0)


def five_contacts_sync(
    requests: Requests, crm: MemoryCrm, state: MemorySyncState, touches: MemoryLedger
) -> CrmSync:
    """crm_sync with its activity step, for the contacts c0..c4 each linked to x#0..x#4."""
    return CrmSync(
        crm,
        MemoryIdentities(requests, {f"c{n}": [f"x#{n}"] for n in range(5)}),
        touches,
        MemoryScores(requests, lambda p: None, set()),
        state,
        MODEL,
        clock=lambda: NOW,
        activities=ActivitySync(crm, touches, state),
    )


def on_memory(crm: MemoryCrm) -> set[str]:
    return {k.id for k in crm.held if k.kind is rk.RecordKind.ACTIVITY}
