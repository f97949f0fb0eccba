"""crm_sync in slices, in memory: a run works within its time budget and saves after every slice,
the next run resumes where it stopped, and a run the CRM stops at any call (a daily limit, an
answer lost after the write) converges, over the runs that follow, to exactly what one clean run
leaves in the CRM. The stores and the CRM are socialscore_local.memory's, on a simulated
clock."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest

from socialscore.crm.base import OUT_OF_TIME, CrmStopped
from socialscore.domain import record_key as rk
from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import RecordKey
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_budget import Budget
from socialscore.pipeline.crm_sync import CrmSync, SyncReport
from socialscore.pipeline.crm_work import SliceSize
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.crm import MemoryCrm
from socialscore_local.memory.crm_reads import MemoryIdentities, MemoryLedger, MemoryScores, share
from socialscore_local.memory.sync_state import MemorySyncState

MODEL = bundled()
DAY0 = datetime(2026, 11, 20, 6, tzinfo=UTC)
CONTACTS = 450
HOT = ("x#3", "x#14")  # the score stage found them hot: a task each
COMPLAINING = ("x#5", "x#14")  # a complaint each (x#14 is hot too)
SIZE = SliceSize(contacts=100, opportunities=3)  # a few HubSpot calls a slice


@dataclass
class World:
    sync: CrmSync
    crm: MemoryCrm
    state: MemorySyncState
    clock: Clock
    links: dict[str, list[str]]


def world(contacts: int = CONTACTS, opportunities: int = 8, latency: float = 1.0) -> World:
    clock = Clock()
    requests = Requests(clock, latency=0.01)  # a DynamoDB request: 10 ms
    links = {f"c{n:04}": [f"x#{n}"] + ([f"x#{n}b"] if n % 7 == 0 else []) for n in range(contacts)}
    ledger = {
        i: [share(i, k, DAY0 - timedelta(days=1 + (n * 5 + k) % 40), f"s-{k}", MODEL)]
        for n, ids in enumerate(links.values())
        for k, i in enumerate(ids)
    }
    for profile in COMPLAINING:  # a complaint each: a case to open
        ledger[profile].append(complaint(profile))

    def touches(profile: str) -> list[Touch]:
        return ledger.get(profile, [])

    def units(profile: str) -> Decimal | None:
        found = ledger.get(profile)
        return sum((t.units for t in found), Decimal(0)) if found else None

    opps = [
        Opportunity(
            id=f"006-{o}",
            contact_ids=[f"c{(o * 37) % contacts:04}", f"c{(o * 11 + 3) % contacts:04}"],
            amount=Decimal("1000.00"),
            currency="USD",
            created_at=DAY0 - timedelta(days=3),
            modified_at=DAY0 - timedelta(hours=o),
        )
        for o in range(opportunities)
    ]
    crm = MemoryCrm(opps, path="hubspot", clock=clock, latency=latency)
    state = MemorySyncState(requests)
    hot = set(HOT)
    sync = CrmSync(
        crm,
        MemoryIdentities(requests, links),
        MemoryLedger(requests, touches),
        MemoryScores(requests, units, hot),
        state,
        MODEL,
        clock=lambda: DAY0,
        size=SIZE,
    )
    return World(sync, crm, state, clock, links)


def complaint(profile: str) -> Touch:
    """A reply whose words hit complaint phrases (the phrases kept, never the words)."""
    weight = MODEL.categories[Category.ORGANIC].weights[Kind.COMMENT]
    at = DAY0 - timedelta(days=2)
    return replace(
        share(profile, 99, at, "s-0", MODEL),
        dedupe_key=f"i#{profile}-complaint",
        interaction_id=f"{profile}-complaint",
        kind=Kind.COMMENT,
        weight=weight,
        units=units(weight, at, MODEL.half_life_seconds),
        own_post=f"x#{profile.removeprefix('x#')}77",
        complaint_hits=("still broken",),
    )


def budget(w: World, seconds: float) -> Budget:
    """`seconds` of simulated time from now, with a reserve of 2."""
    end = w.clock.seconds + seconds
    return Budget(lambda: end - w.clock.seconds, reserve=2.0)


def until_complete(w: World, as_of: datetime, seconds: float = 1e9) -> list[SyncReport]:
    reports: list[SyncReport] = []
    for _ in range(50):
        try:
            reports.append(w.sync.run(as_of, budget(w, seconds)))
        except CrmStopped:
            continue
        if reports[-1].complete:
            return reports
    raise AssertionError("no convergence in 50 runs")


@cache
def clean_run() -> World:
    """One unbounded run on a new world, once a module (the world's clock is simulated: every
    such run leaves the same CRM after the same calls); only read by the tests after."""
    w = world()
    report = w.sync.run(DAY0)
    assert report.complete
    assert not report.failed
    return w


def clean() -> dict[RecordKey, Any]:
    return clean_run().crm.held


def test_one_unbounded_run_pushes_every_contact_and_opportunity_once() -> None:
    w = world()
    report = w.sync.run(DAY0)
    assert report.complete
    assert report.daily
    assert report.pushed_scores == CONTACTS
    assert report.pushed_influences == 8
    assert report.hot_leads == 2
    assert report.complaints == 2
    # The daily pass's pages: 100 identity items a page, each a slice, after the opportunities'
    # three slices and the (empty) change window's.
    assert report.slices == 3 + 1 + 5
    assert w.sync.run(DAY0).pushed_scores == 0  # and the retry of its slot pushes nothing


def test_a_run_out_of_time_saves_what_landed_and_the_next_run_resumes() -> None:
    w = world()
    first = w.sync.run(DAY0, budget(w, 12.0))  # a few HubSpot calls at 1 s each
    assert not first.complete
    assert 0 < first.pushed_scores < CONTACTS
    rest = until_complete(w, DAY0, seconds=12.0)
    reports = [first, *rest]
    assert len(reports) >= 2
    # Every contact pushed exactly once over the runs; the slot's decay day taken once.
    assert sum(r.pushed_scores for r in reports) == CONTACTS
    assert sum(r.pushed_influences for r in reports) == 8
    assert w.state.items["run#decay_day"] == DAY0.date().isoformat()
    assert w.state.items["run#decay_pass"] == ""
    assert w.crm.held == clean()


@pytest.mark.parametrize("seconds", [6.0, 10.0, 14.0])
def test_a_run_ends_before_its_deadline(seconds: float) -> None:
    w = world()
    report = w.sync.run(DAY0, budget(w, seconds))
    assert not report.complete
    assert w.clock.seconds <= seconds


@pytest.mark.parametrize("fault", ["stop_at", "lose_at"])
def test_a_run_stopped_at_any_call_converges_to_one_clean_run(fault: str) -> None:
    calls = clean_run()  # the calls of one clean run, and what it leaves
    expected = calls.crm.held
    assert calls.crm.calls > 10
    for n in range(calls.crm.calls):
        w = world()
        setattr(w.crm, fault, n)
        with pytest.raises(CrmStopped):
            w.sync.run(DAY0)
        until_complete(w, DAY0)
        assert w.crm.held == expected, f"{fault} at call {n}"
        # What landed before the stop was saved: nothing is sent again but the call whose
        # answer was lost (a HubSpot call's 100 records at most).
        resent = w.crm.records - calls.crm.records
        assert resent == 0 if fault == "stop_at" else 0 <= resent <= 100, n


def test_the_decay_day_takes_every_contact_once_over_the_runs_it_needs() -> None:
    w = world()
    w.sync.run(DAY0)
    later = DAY0 + timedelta(days=1)
    w.sync.clock = lambda: later
    reports = until_complete(w, later, seconds=4.0)
    assert len(reports) > 1
    assert all(r.daily for r in reports)
    assert sum(r.scored for r in reports) == CONTACTS
    assert sum(r.pushed_scores for r in reports) <= CONTACTS
    assert w.state.items["run#decay_day"] == later.date().isoformat()


def test_contacts_marked_while_a_window_is_open_wait_for_the_next_window() -> None:
    w = world()
    w.sync.run(DAY0)
    later = DAY0 + timedelta(minutes=15)
    marked = sorted(w.links)[:250]
    w.state.mark_changed(DAY0 + timedelta(minutes=5), contacts=marked)
    w.sync.clock = lambda: later
    first = w.sync.run(DAY0, budget(w, 4.0))  # a slice of 100 marked contacts, then out of time
    assert not first.complete
    assert first.scored == 100
    assert w.state.items["run#marks_after"] == marked[99]
    # After the window and its last ten-minute bucket (a window reads its buckets whole).
    w.state.mark_changed(later + timedelta(minutes=6), contacts=["c0449"])
    second = w.sync.run(DAY0)
    assert second.scored == 150  # the rest of the open window only
    assert w.state.items["run#marks_until"] == ""
    w.sync.clock = lambda: later + timedelta(minutes=15)
    assert w.sync.run(DAY0).scored == 1  # the next window: c0449


def test_a_contact_whose_last_identity_was_erased_is_pushed_with_zero_scores() -> None:
    w = world()
    w.sync.run(DAY0)
    assert w.crm.held[rk.contact("c0001")]["organic_score"] > 0
    w.links["c0001"] = []  # the erasure unlinked its only identity and marked it changed
    w.state.mark_changed(DAY0 + timedelta(minutes=1), contacts=["c0001"])
    w.sync.clock = lambda: DAY0 + timedelta(minutes=15)
    report = w.sync.run(DAY0)
    assert report.pushed_scores == 1
    held = w.crm.held[rk.contact("c0001")]
    assert (held["organic_score"], held["paid_score"]) == (0, 0)
    assert held["last_organic_touch"] is None


def test_a_run_whose_bulk_job_has_no_time_left_ends_out_of_time_and_the_next_resumes() -> None:
    expected = clean()
    w = world()
    w.crm.stop_at, w.crm.stop_reason = 5, OUT_OF_TIME  # the job aborted for want of time
    first = w.sync.run(DAY0)  # no exception: the run ends as one out of time
    assert not first.complete
    assert first.slices >= 1  # what landed before it is saved
    rest = until_complete(w, DAY0)
    assert sum(r.pushed_scores for r in [first, *rest]) == CONTACTS
    assert w.crm.held == expected
