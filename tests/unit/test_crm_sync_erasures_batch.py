"""A big batch of erasures with HubSpot's GDPR delete (a call per contact, no batch) never wedges
crm_sync: 100 a slice, the first before the rest of the run's work and the others after it, the
deletes made only while the run's time allows, those done kept when the run stops among them.
1,000 pending erasures at 1 s a call converge over a few runs, each within its time, every other
kind of work done from the first run on. In memory, on a simulated clock."""

from __future__ import annotations

from datetime import timedelta

from socialscore.domain import record_key as rk
from socialscore.pipeline.crm_sync import SyncReport
from tests.unit.test_crm_sync_slices import CONTACTS, DAY0, World, budget, world

ERASED = [f"e{n:04}" for n in range(1000)]  # contacts in the CRM alone: cleared, then deleted
SECONDS = 240.0  # a run's time: a 300 s invocation less what it spent before its first slice


def runs(w: World, limit: int) -> list[SyncReport]:
    """Scheduled runs, 15 minutes apart, until no erasure is pending and a run completes (at
    most `limit`), each within its own time; before each, a contact's touches changed."""
    reports: list[SyncReport] = []
    for n in range(limit):
        slot = DAY0 + timedelta(minutes=15 * n)
        w.sync.clock = lambda slot=slot: slot  # type: ignore[misc]
        w.state.mark_changed(slot - timedelta(minutes=5), contacts=[f"c{n:04}"])
        start = w.clock.seconds
        spend = budget(w, SECONDS)
        w.crm.time_left = spend.left
        reports.append(w.sync.run(DAY0, spend))
        assert w.clock.seconds - start <= SECONDS  # never cut off by the timeout
        if reports[-1].complete and not w.state.pending().contacts:
            return reports
    raise AssertionError(f"pending after {limit} runs: {len(w.state.pending().contacts)}")


def test_a_thousand_erasures_converge_and_the_rest_of_the_work_goes_on() -> None:
    w = world()
    w.crm.gdpr_delete = True
    w.state.mark_erased(ERASED)

    reports = runs(w, limit=10)

    assert len(reports) == 5  # 2 slices of 100 deletes a run, 100 s each
    assert sorted(w.crm.deleted) == ERASED  # each deleted once: none again on a later run
    assert sum(r.erased for r in reports) == len(ERASED)
    assert all(w.crm.held[rk.contact(c)] is None for c in ERASED)  # cleared first
    # The first run took the rest of its work too: every contact, deal, task and case.
    first = reports[0]
    assert first.pushed_scores == CONTACTS
    assert first.pushed_influences == 8
    assert first.hot_leads == 2
    assert first.complaints == 2
    assert first.daily
    assert all(r.scored >= 1 for r in reports[1:])  # and each later run its changed contact


def test_a_run_started_late_stops_among_the_deletes_and_keeps_those_done() -> None:
    w = world()
    w.sync.run(DAY0)  # the rest is done: the runs below take the erasures alone
    w.crm.gdpr_delete = True
    w.state.mark_erased(ERASED[:200])
    spend = budget(w, 60.0)  # a slice's 100 deletes do not fit
    w.crm.time_left = spend.left

    stopped = w.sync.run(DAY0, spend)

    assert not stopped.complete
    assert 0 < stopped.erased == len(w.crm.deleted) < 200
    assert len(w.state.pending().contacts) == 200 - stopped.erased
    again = runs(w, limit=2)
    assert sorted(w.crm.deleted) == ERASED[:200]  # the redo deletes only the others
    assert sum(r.erased for r in again) == 200 - stopped.erased
