"""The bucket tally on the memory fakes: the counts a report reads equal those recomputed from
every profile's touches after touches, links, unlinks, erasures and time passing; a unit's change
is counted once when a run stops or a write fails; nothing names an erased person; a run reads
the units changed and due, never every profile."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from socialscore.domain.bucket_tally import Kept, counts, delta, touched_units
from socialscore.domain.interaction import Erase, Kind
from socialscore.domain.record_key import Erasures
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.pipeline.bucket_tally import rebuild
from socialscore.pipeline.erasure import Eraser
from socialscore.pipeline.resolution import relink
from socialscore.report.rows import BucketRow
from socialscore_local.memory.bucket_tally import MemoryBucketTally
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.sync_state import MemorySyncState
from socialscore_ops.rebuild_tally import LeaseHold
from socialscore_ops.stack import OpsError
from tests.integration.support import identify
from tests.unit.tally_world import MODEL, NONE, START, TallyWorld, touch

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def built(w: TallyWorld) -> TallyWorld:
    rebuild(w.store, MODEL, w.now, {}, [], {})
    return w


def run(w: TallyWorld, erasures: Erasures = NONE) -> None:
    """A crm_sync run's step at the world's clock: the marks from where the tally last read
    them (crm_sync's own window begins no later)."""
    report = w.step(w.now, None, w.now, erasures)
    assert report.failed == []
    assert report.left == 0


def link(w: TallyWorld, user: str, contact: str) -> None:
    event = identify(f"{user}-{contact}", user=user, contact=contact, at=w.now)
    relink([event], [], w.links, w.sync, w.now)


def row(w: TallyWorld, name: str) -> tuple[int, int]:
    found = {r.name: (r.profiles, r.contacts) for r in w.counted()}
    return found[name]


# --- the rules, pure --------------------------------------------------------------------------
def test_a_unit_moving_between_buckets_moves_the_counts_by_the_difference() -> None:
    old = Kept(("buyer", "advocate"), None, contact=True)
    new = Kept(("advocate", "prospect"), None, contact=True)
    assert delta(old, new) == {"buyer": (-1, -1), "prospect": (1, 1)}
    assert delta(None, Kept(("prospect",), None, contact=False)) == {"prospect": (1, 0)}
    assert delta(old, old) == {}
    assert counts([old, new, Kept(("prospect",), None, False)]) == {
        "buyer": (1, 1),
        "advocate": (2, 2),
        "prospect": (2, 1),
    }


def test_a_changed_profile_names_its_own_unit_and_its_contacts() -> None:
    units = touched_units(["x#1", "x#2"], ["C-9"], {"x#1": "C-1"})
    assert units == {"p:x#1", "c:C-1", "p:x#2", "c:C-9"}


# --- the step on the fakes --------------------------------------------------------------------
def test_before_a_build_the_step_keeps_nothing_and_says_so() -> None:
    w = TallyWorld()
    w.ledger.record([touch("u1", w.now - HOUR)])

    report = w.step(w.now, w.now - HOUR, w.now, NONE)

    assert not report.built
    assert w.store.items == {}


def test_touches_links_and_unlinks_count_a_contact_once_and_an_anonymous_profile_alone() -> None:
    w = built(TallyWorld())
    w.ledger.record([touch("u1", w.now - HOUR, Kind.SHARE), touch("u2", w.now - HOUR)])
    run(w)
    assert row(w, "prospect") == (2, 0)  # two anonymous profiles

    w.now += HOUR
    link(w, "u1", "C-1")
    link(w, "u2", "C-1")
    run(w)
    assert row(w, "prospect") == (1, 1)  # one contact over both identities
    assert w.counted() == w.expected(w.now)

    w.now += HOUR
    relink([], [("x#u2", "C-1")], w.links, w.sync, w.now)
    run(w)
    assert row(w, "prospect") == (2, 1)
    assert w.counted() == w.expected(w.now)


def test_time_alone_moves_a_profile_out_of_a_bucket_found_by_its_due_day() -> None:
    w = built(TallyWorld())
    w.ledger.record(
        [
            touch("u1", w.now - HOUR, Kind.SHARE, followers=5000),
            touch("u1", w.now - 2 * HOUR, Kind.QUOTE),
        ]
    )
    run(w)
    assert row(w, "advocate") == (1, 0)
    assert row(w, "influencer") == (1, 0)

    for _ in range(6):  # no touch, no mark: only the due entries bring it back
        w.now += DAY
        run(w)
        assert w.counted() == w.expected(w.now)
    assert row(w, "advocate") == (0, 0)
    assert row(w, "influencer") == (0, 0)
    assert row(w, "prospect") == (1, 0)


def test_a_run_reads_the_changed_and_due_units_not_every_profile() -> None:
    w = built(TallyWorld())
    w.ledger.record([touch(f"u{n}", w.now - HOUR) for n in range(200)])
    run(w)
    w.now += HOUR
    run(w)  # the last ten-minute bucket of marks is read again (it may take marks still)
    w.now += HOUR
    w.ledger.read.clear()

    w.ledger.record([touch("u7", w.now - HOUR, intent=True)])
    run(w)

    assert w.ledger.read == ["x#u7"]
    assert w.counted() == w.expected(w.now)


@pytest.mark.parametrize("lag", [timedelta(seconds=2), timedelta(seconds=30)])
def test_a_link_the_contact_index_shows_late_is_counted_by_the_next_run(lag: timedelta) -> None:
    """DynamoDB's by_contact index may show a link late: a run then finds the contact without
    the identity, and the next run (which reads the last minute's marks again) counts it."""
    w = built(TallyWorld())
    w.links.index_lag, w.links.clock = lag, lambda: w.now
    shares = [touch("u1", w.now - HOUR, Kind.SHARE), touch("u1", w.now - HOUR, Kind.QUOTE)]
    w.ledger.record([*shares, touch("u2", w.now - HOUR)])
    link(w, "u2", "C-1")
    w.now += 2 * HOUR + 10 * timedelta(minutes=1) - timedelta(milliseconds=500)
    run(w)
    link(w, "u1", "C-1")  # half a second before a ten-minute bucket ends
    w.now += timedelta(seconds=1)  # a run in the next bucket: the index has not shown it
    run(w)
    w.now += 15 * timedelta(minutes=1)

    run(w)

    assert w.counted() == w.expected(w.now)
    assert row(w, "advocate") == (1, 1)  # the contact, over both identities


def test_an_erasure_leaves_no_tally_item_naming_the_person() -> None:
    w = built(TallyWorld())
    w.ledger.record([touch("u1", w.now - HOUR), touch("u2", w.now - HOUR, Kind.SHARE)])
    link(w, "u1", "C-1")
    run(w)
    assert w.held() >= {"C-1", "x#u2"}

    w.now += HOUR
    erase = Erase(event_id="e1", source="smms", contact_id="C-1", occurred_at=w.now)
    Eraser(w.links, w.ledger, w.scores, w.sync).erase(erase, w.now)
    run(w, erasures=w.sync.pending())

    assert "C-1" not in w.held()
    assert "x#u1" not in w.held()
    assert w.counted() == w.expected(w.now)
    assert row(w, "prospect") == (1, 0)


def test_an_emptied_item_whose_delete_failed_is_deleted_by_the_next_run() -> None:
    w = built(TallyWorld())
    w.store.items["tally#unit#p:x#u1"] = {"key": "tally#unit#p:x#u1", "v": 4}  # no buckets
    link(w, "u1", "C-1")  # marks x#u1 changed: it has no touch, so it is no unit

    run(w)

    assert "tally#unit#p:x#u1" not in w.store.items
    assert w.held() == set()


def test_a_stop_for_time_leaves_the_rest_to_the_next_run_and_counts_each_once() -> None:
    w = built(TallyWorld())
    w.step.piece = 10
    w.ledger.record([touch(f"u{n}", w.now - HOUR) for n in range(35)])
    # half the time at the start is the step's (50 s); the fourth piece finds too little
    left = iter([100.0, 100.0, 100.0, 100.0, 10.0])

    report = w.step(w.now, w.now - HOUR, w.now, NONE, lambda: next(left, 10.0))

    assert report.left == 5
    assert row(w, "prospect") == (30, 0)
    w.now += HOUR
    run(w)  # the marks are taken: only the to-do brings the five back
    assert row(w, "prospect") == (35, 0)
    assert w.store.todo() == set()


@pytest.mark.parametrize("fail_at", [0, 3, 7])
def test_a_write_failing_mid_step_is_counted_once_by_the_next_run(fail_at: int) -> None:
    w = built(TallyWorld())
    w.store.fail_at = fail_at
    w.ledger.record([touch(f"u{n}", w.now - HOUR, Kind.SHARE) for n in range(8)])
    link(w, "u1", "C-1")

    report = w.step(w.now, w.now - HOUR, w.now, NONE)

    assert report.failed == ["StoreFault"]
    assert report.left == 1  # the one profile whose write failed; its batch-mates are written
    w.now += HOUR
    run(w)
    assert w.counted() == w.expected(w.now)
    assert row(w, "prospect") == (8, 1)


def test_a_read_failing_mid_step_leaves_the_rest_of_the_run_to_the_next() -> None:
    w = built(TallyWorld())
    w.step.piece = 2
    w.ledger.record([touch(f"u{n}", w.now - HOUR, Kind.SHARE) for n in range(6)])

    class Failing:  # the ledger losing its connection at one profile's read
        def touches_of(self, profile: str) -> list[Touch]:
            if profile == "x#u3":
                raise ConnectionError("lost")
            return w.ledger.touches_of(profile)

    failing = replace(w.step, ledger=Failing())
    report = failing(w.now, None, w.now, NONE)

    assert report.failed == ["ConnectionError"]
    assert report.left == 4  # the piece that failed and the one after it
    w.now += HOUR
    run(w)
    assert row(w, "prospect") == (6, 0)


def test_a_unit_written_meanwhile_is_left_for_the_next_run_not_counted_twice() -> None:
    w = built(TallyWorld())
    w.ledger.record([touch("u1", w.now - HOUR)])
    run(w)
    stored = w.store.kept(["p:x#u1"])["p:x#u1"]
    w.ledger.record([touch("u1", w.now - HOUR, Kind.SHARE, followers=9000)])

    assert w.store.apply("p:x#u1", stored, Kept(("influencer", "prospect"), None, False))
    assert not w.store.apply("p:x#u1", stored, Kept(("prospect",), None, False))
    assert row(w, "influencer") == (1, 0)


def test_a_retraction_takes_the_profile_out_of_every_bucket() -> None:
    w = built(TallyWorld())
    like = touch("u1", w.now - HOUR, Kind.LIKE)
    w.ledger.record([like])
    run(w)
    w.now += HOUR

    w.ledger.record([Withdrawal(like.profile, like.dedupe_key, w.now)])
    run(w)

    assert w.counted() == [BucketRow(r.name, r.label, 0, 0) for r in MODEL.buckets]
    assert w.held() == set()


def test_a_rebuild_gives_the_counts_the_runs_keep() -> None:
    w = built(TallyWorld())
    w.ledger.record([touch(f"u{n}", w.now - n * HOUR, Kind.SHARE) for n in range(1, 6)])
    link(w, "u1", "C-1")
    run(w)
    kept = w.counted()

    again = MemoryBucketTally(Requests(Clock()))
    everyone = sorted({t.profile for t in w.ledger.every_touch()})
    rebuild(
        again,
        MODEL,
        w.now,
        w.links.all_contacts(),
        w.ledger.every_touch(),
        w.scores.profile_units(everyone),
    )

    assert again.counts() == w.store.counts()
    assert kept == w.expected(w.now)
    assert again.items == w.store.items | {"tally#place": again.items["tally#place"]}


def test_a_long_rebuild_holds_crm_sync_off_while_it_reads_and_while_it_writes() -> None:
    """At a big customer's size a build reads for many minutes and writes a million items, longer
    than crm_sync's lease lasts if taken once: a run let in meanwhile would take its window and
    delete change marks the new tally still needs. The build's `hold` (where the ops command
    renews the lease, and stops if another run took it) comes every 1,000 touches read or items
    written at most, from its first touch read to its last item written."""
    w = TallyWorld()
    w.ledger.record([touch(f"u{n // 4}", w.now - (n % 4) * HOUR) for n in range(2_400)])
    touches = w.ledger.every_touch()
    everyone = sorted({t.profile for t in touches})
    items = w.scores.profile_units(everyone)
    store = MemoryBucketTally(Requests(Clock()))
    read, since, gaps = 0, 0, []

    def work() -> int:  # touches read and items written (25 a BatchWriteItem) so far
        return read + 25 * store.r.counts["BatchWriteItem"]

    def reading() -> Iterator[Touch]:
        nonlocal read
        for t in touches:
            read += 1
            yield t

    def hold() -> None:
        nonlocal since
        gaps.append(work() - since)
        since = work()

    kept = rebuild(store, MODEL, w.now, {}, reading(), items, hold)

    gaps.append(work() - since)  # from the last hold to the end
    assert kept == 600
    assert read == 2_400
    assert store.r.counts["BatchWriteItem"] >= 24  # 600 units and their due entries
    assert max(gaps) <= 1_000
    assert store.place().built


def test_the_build_renews_crm_syncs_lease_and_stops_when_a_run_took_it() -> None:
    """The ops command's hold: past the first lease's 30 minutes the build still holds it (no
    crm_sync run gets in); a build that finds the lease taken by a run, or a gap longer than the
    lease since its last renewal (a run may have come and gone), stops instead of writing on."""
    state = MemorySyncState(Requests(Clock()))
    clock = [START]
    lease = LeaseHold(state, "rebuild-1", lambda: clock[0])
    lease.take()
    for _ in range(90):  # 45 minutes of work, a hold every 30 s
        clock[0] += timedelta(seconds=30)
        lease()
        assert state.take_lease("run-1", clock[0], clock[0] + HOUR) is not None

    state.release_lease("rebuild-1")
    assert state.take_lease("run-2", clock[0], clock[0] + timedelta(minutes=5)) is None
    clock[0] += timedelta(minutes=2)
    with pytest.raises(OpsError, match="crm_sync took its lease"):
        lease()

    quiet = LeaseHold(MemorySyncState(Requests(Clock())), "rebuild-2", lambda: clock[0])
    quiet.take()
    clock[0] += timedelta(minutes=31)  # one write that hung longer than the lease
    with pytest.raises(OpsError, match="held crm_sync's lease no longer"):
        quiet()


def test_a_backlog_of_300000_profiles_fits_the_to_do_items() -> None:
    """crm_sync stopped two days at 1,000,000 profiles (about 110,000 change a day, and those
    due) leaves some 300,000 units to later runs: each to-do item stays within DynamoDB's 400 KB
    an item, else every later run fails that write, and crm_sync's run with it. (The due days'
    items are sharded alike: a viral day's 300,000 actors falling due on one day fit too.)"""
    store = MemoryBucketTally(Requests(Clock()))
    backlog = {f"p:x#{10**18 + n}" for n in range(300_000)}  # X user ids have 19 digits

    store.set_todo(backlog, [])

    assert store.todo() == backlog
    store.set_todo([], backlog)
    assert store.todo() == set()
