"""Two crm_sync runs at once (a scheduled one and `socialscore sync`, or a retry overlapping
the next slot) open each hot-lead task once: the second, started while the first holds the run
lease, does nothing and says until when; the lease is given back however a run ends. In memory,
on socialscore_local.memory's stores and CRM."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialscore.crm.base import CrmStopped, Push, PushOutcome
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.opportunity import Opportunity
from socialscore.pipeline.crm_budget import Budget
from socialscore.pipeline.crm_sync import SyncReport
from socialscore_local.memory.crm import MemoryCrm
from tests.unit.test_crm_sync_slices import DAY0, HOT, world


@dataclass
class Overlapping:
    """The CRM, and another run started while this run's push of hot-lead tasks is on its
    way."""

    crm: MemoryCrm
    during: Callable[[], SyncReport] | None = None
    tasks: list[str] = field(default_factory=list)  # every hot-lead task asked for
    overlapped: list[SyncReport] = field(default_factory=list)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.crm.name

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        return self.crm.changed_opportunities(since)

    def push(self, push: Push) -> PushOutcome:
        if self.during is not None and push.hot_leads:  # before the tasks' digests are saved
            during, self.during = self.during, None
            self.overlapped.append(during())
        self.tasks += [t.profile for t in push.hot_leads]
        return self.crm.push(push)

    # The rest of the CRM port (crm_sync's activities go through their own log), as the CRM
    # has it.
    @property
    def activity_batch(self) -> int:
        return self.crm.activity_batch

    def push_activities(self, activities: Sequence[Activity]) -> PushOutcome:
        return self.crm.push_activities(activities)

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        return self.crm.remove_activities(removals)


def test_a_run_started_while_another_holds_the_lease_opens_no_second_task() -> None:
    w = world()
    crm = Overlapping(w.crm)
    first = replace(w.sync, crm=crm)
    second = replace(w.sync, clock=lambda: DAY0 + timedelta(seconds=40))
    crm.during = lambda: second.run(DAY0, run_id="by-hand")

    report = first.run(DAY0, run_id="scheduled")

    assert report.hot_leads == len(HOT)
    assert sorted(crm.tasks) == sorted(HOT)  # once each
    [skipped] = crm.overlapped
    assert skipped.leased_until == DAY0 + timedelta(minutes=15, seconds=60)
    assert skipped.slices == 0
    assert not skipped.complete
    assert w.state.lease is None  # given back at the end: the next run goes ahead
    assert second.run(DAY0, run_id="by-hand").leased_until is None


def test_a_lease_past_its_time_holds_no_run_off() -> None:
    """The same overlap, the first run's lease past its time (as a run the timeout cut off
    leaves it): the second goes ahead and, finding no task, opens each again. This is what
    the lease prevents while it holds."""
    w = world()
    crm = Overlapping(w.crm)
    first = replace(w.sync, crm=crm)
    late = DAY0 + timedelta(minutes=17)  # past 15 minutes and the margin
    second = replace(w.sync, crm=Overlapping(w.crm, tasks=crm.tasks), clock=lambda: late)
    crm.during = lambda: second.run(DAY0, run_id="late")

    first.run(DAY0, run_id="scheduled")

    assert sorted(crm.tasks) == sorted(HOT * 2)


def test_a_run_the_crm_stops_gives_the_lease_back() -> None:
    w = world()
    w.crm.stop_at = 3
    with pytest.raises(CrmStopped):
        w.sync.run(DAY0, run_id="stopped")
    assert w.state.lease is None


class LostAnswers:
    """A sync state whose lease writes land but answer nothing (a timeout after the write), and
    whose first `lost_releases` give-backs fail before they land."""

    def __init__(self, state: Any, lost_releases: int) -> None:
        self.state, self.lost_releases = state, lost_releases

    def __getattr__(self, name: str) -> Any:
        return getattr(self.state, name)

    def take_lease(self, owner: str, now: datetime, until: datetime) -> datetime | None:
        self.state.take_lease(owner, now, until)
        raise ConnectionError("the answer was lost")

    def release_lease(self, owner: str) -> None:
        if self.lost_releases:
            self.lost_releases -= 1
            raise ConnectionError("not given back")
        self.state.release_lease(owner)


@pytest.mark.parametrize("lost_releases", [0, 2])
def test_a_lease_written_by_a_failed_run_holds_no_later_run_off(lost_releases: int) -> None:
    """The lease's write lands, its answer is lost: the failed run gives it back (trying again
    when giving back fails), so the next run goes ahead instead of waiting 16 minutes."""
    w = world()
    failing = replace(w.sync, state=LostAnswers(w.state, lost_releases))

    with pytest.raises(ConnectionError):
        failing.run(DAY0, run_id="lost")

    assert w.state.lease is None
    report = w.sync.run(DAY0, run_id="next")
    assert report.leased_until is None
    assert report.complete


def handler() -> Any:
    """The crm_sync Lambda's module (functions/ is no package: each is its own code URI)."""
    path = Path(__file__).resolve().parents[2] / "functions/crm_sync/crm_sync_handler.py"
    spec = importlib.util.spec_from_file_location("crm_sync_handler", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_handler_answers_and_logs_a_skipped_run(caplog: pytest.LogCaptureFixture) -> None:
    handle = handler().handle
    w = world()
    w.state.lease = ("scheduled", DAY0 + timedelta(minutes=6))
    # The handler's Powertools logger ("crm_sync") does not propagate, and its stream is the one
    # stdout was when an earlier test in this process first made it: listen on it directly.
    crm_sync_log = logging.getLogger("crm_sync")
    crm_sync_log.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="crm_sync")
    try:
        answer = handle({"as_of": DAY0.isoformat()}, w.sync, Budget.unlimited(), "by-hand")
    finally:
        crm_sync_log.removeHandler(caplog.handler)

    expected = "another run holds the lease until 2026-11-20T06:06:00+00:00"
    assert answer == {"skipped": expected}
    assert f"skipped: {expected}" in caplog.text
    assert w.crm.calls == 0  # nothing read or pushed
