"""The report's one rule for crm_sync's tally (report.freshness), on the memory fakes: the bucket
counts and identity coverage's part from contacts are read from the tally while crm_sync ran at
most a day ago (the ledger neither read nor sized); when it has not run since (no CRM chosen,
or failing), recounted from every touch when the ledger is small enough (equal to what a run
now would keep), else the tally's numbers shown as of that run with its age, the ledger not
read, a warning logged once; and the page says which."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from html import unescape
from typing import Any

import pytest

from socialscore.domain.coverage import Coverage, coverage
from socialscore.domain.interaction import Kind
from socialscore.pipeline.bucket_tally import rebuild
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.pipeline.resolution import relink
from socialscore.report import covered, freshness, profiles
from socialscore.report.coverage import NOT_PUBLISHED, publish, section
from socialscore.report.covered import IdentityCoverage
from socialscore.report.freshness import (
    BUCKETS_RECOUNT_ITEMS,
    COVERAGE_RECOUNT_ITEMS,
    FRESH_FOR,
    RECOUNTED,
    Basis,
    CountedBuckets,
    Freshness,
    Source,
)
from socialscore.report.period import Period
from socialscore.report.rows import BucketRow
from socialscore_local.memory.crm import MemoryCrm
from socialscore_local.memory.rollups import MemoryRollups
from tests.integration.support import identify
from tests.unit.tally_world import MODEL, TallyWorld, touch

HOUR = timedelta(hours=1)


class Stack:
    """A stack whose crm_sync ran at START (the tally then: u1 linked to C-1 and touched, u2
    anonymous), and touches since that no run has counted: u2 shares with intent (a buyer
    now), u3 appears, u1 touches again."""

    def __init__(self) -> None:
        w = self.w = TallyWorld()
        self.sync = CrmSync(
            MemoryCrm([]),
            w.links,
            w.ledger,
            w.scores,
            w.sync,
            MODEL,
            clock=lambda: w.now,
            tally=w.step,
        )
        rebuild(w.store, MODEL, w.now, {}, [], {})
        relink([identify("1", user="u1", contact="C-1", at=w.now)], [], w.links, w.sync, w.now)
        w.ledger.record([touch("u1", w.now - HOUR), touch("u2", w.now - 2 * HOUR, Kind.LIKE)])
        w.now += HOUR
        self.sync.run(w.now)
        self.last_run = w.store.place().marks_through
        self.at_run = w.counted()  # the tally as that run left it
        w.now += 3 * HOUR
        w.ledger.record(
            [
                touch("u2", w.now, Kind.SHARE, intent=True, followers=5000),
                touch("u3", w.now, Kind.COMMENT, seller="s-bo"),
                touch("u1", w.now, Kind.QUOTE),
            ]
        )
        self.ledger_reads = 0  # recounts: each reads the ledger (and the scores table) whole
        self.sized = 0  # DescribeTable calls
        self.warnings: list[tuple[str, Mapping[str, Any]]] = []

    def freshness(self, as_of: datetime, items: int) -> Freshness:
        def size() -> int:
            self.sized += 1
            return items

        return Freshness(self.w.store, size, as_of, lambda m, e: self.warnings.append((m, e)))

    def recount(self, as_of: datetime) -> Callable[[], list[BucketRow]]:
        def counted() -> list[BucketRow]:
            self.ledger_reads += 1
            return self.w.expected(as_of)

        return counted

    def period(self, as_of: datetime) -> Period:
        """The report's: 30 whole UTC days, the as-of's own the last."""
        return Period(datetime.combine(as_of.date() + timedelta(days=1), time(), UTC), 30)

    def cover_recount(self, as_of: datetime) -> Callable[[], list[Coverage]]:
        def counted() -> list[Coverage]:
            self.ledger_reads += 1
            period = self.period(as_of)
            held = [t for t in self.w.ledger.every_touch() if period.holds(t.occurred_at)]
            linked = {i for ids in self.w.links.all_contacts().values() for i in ids}
            return coverage(held, linked)

        return counted

    def cover_tallied(self, as_of: datetime) -> Callable[[bool], list[Coverage] | None]:
        rollups = MemoryRollups(self.w.ledger.every_touch)
        period = self.period(as_of)
        return lambda stale: covered.tallied(self.w.store, rollups, period, as_of, stale)

    def buckets(self, as_of: datetime, items: int) -> CountedBuckets:
        return freshness.counted_buckets(
            self.freshness(as_of, items), self.w.counted, self.recount(as_of)
        )

    def cover(self, as_of: datetime, items: int) -> tuple[list[Coverage], Source]:
        return freshness.coverage_rows(
            self.freshness(as_of, items),
            self.period(as_of),
            self.cover_tallied(as_of),
            self.cover_recount(as_of),
        )

    def run_now(self, as_of: datetime) -> None:
        """crm_sync runs again: what a fresh tally keeps."""
        self.w.now = as_of
        self.sync.run(as_of)


@pytest.fixture
def s() -> Stack:
    return Stack()


# --- buckets -----------------------------------------------------------------------------------
def test_a_fresh_tally_s_bucket_counts_are_read_and_the_ledger_neither_read_nor_sized(
    s: Stack,
) -> None:
    assert s.last_run is not None
    as_of = s.last_run + FRESH_FOR  # a day after crm_sync's last run: still fresh

    found = s.buckets(as_of, items=10**9)

    assert found.rows == s.at_run
    assert found.source == Source(Basis.TALLY, s.last_run, as_of)
    assert (s.ledger_reads, s.sized, s.warnings) == (0, 0, [])


def test_a_stale_tally_over_a_small_ledger_is_recounted_as_a_run_now_would_keep_it(
    s: Stack,
) -> None:
    assert s.last_run is not None
    as_of = s.last_run + FRESH_FOR + timedelta(seconds=1)

    found = s.buckets(as_of, items=BUCKETS_RECOUNT_ITEMS)  # at the edge: still recounted

    assert found.source == RECOUNTED
    assert s.ledger_reads == 1
    assert s.warnings == []
    assert found.rows != s.at_run  # u2 became a buyer, u3 came: the tally missed them
    s.run_now(as_of)
    assert found.rows == s.w.counted()  # what a fresh tally keeps


def test_a_stale_tally_over_a_big_ledger_is_shown_as_of_its_run_with_its_age(s: Stack) -> None:
    assert s.last_run is not None
    as_of = s.last_run + 2 * FRESH_FOR + 3 * HOUR

    first = s.buckets(as_of, items=BUCKETS_RECOUNT_ITEMS + 1)
    again = freshness.counted_buckets(
        Freshness(s.w.store, lambda: BUCKETS_RECOUNT_ITEMS + 1, as_of, lambda m, e: None),
        s.w.counted,
        s.recount(as_of),
    )

    assert first.rows == again.rows == s.at_run  # the tally's numbers, never recounted
    assert first.rows != s.w.expected(as_of)
    assert first.source == Source(Basis.STALE, s.last_run, as_of)
    assert s.ledger_reads == 0
    when = f"{s.last_run:%Y-%m-%d %H:%M} UTC"
    assert first.source.words() == (
        f"as of crm_sync's last run, {when}, 2 days ago: crm_sync has not run since"
    )
    under_two_days = Source(Basis.STALE, s.last_run, s.last_run + 47 * HOUR)
    assert under_two_days.words().endswith(", 47 hours ago: crm_sync has not run since")


def test_a_stale_tally_is_warned_about_once_a_view_with_its_reason_and_no_input(
    s: Stack,
) -> None:
    assert s.last_run is not None
    fresh = s.freshness(s.last_run + 3 * FRESH_FOR, items=COVERAGE_RECOUNT_ITEMS + 1)

    assert fresh.buckets().basis is Basis.STALE
    assert fresh.buckets().basis is Basis.STALE
    assert fresh.coverage(s.period(s.last_run + 3 * FRESH_FOR)).basis is Basis.STALE

    assert [e["view"] for _, e in s.warnings] == ["buckets", "identity coverage"]
    message, extra = s.warnings[0]
    assert "has not run for over a day" in message
    assert extra == {
        "view": "buckets",
        "last_run": s.last_run.isoformat(),
        "hours": 72,
        "ledger_items": COVERAGE_RECOUNT_ITEMS + 1,
        "recount_up_to": BUCKETS_RECOUNT_ITEMS,
    }
    assert s.sized == 1  # the ledger sized once a snapshot


def test_a_tally_not_built_or_after_the_report_s_moment_is_recounted_whatever_the_size(
    s: Stack,
) -> None:
    assert s.last_run is not None
    before = s.last_run - HOUR  # an --as-of before crm_sync's last run
    assert s.buckets(before, items=10**9).source == RECOUNTED
    s.w.store.items.clear()  # never built (socialscore rebuild)
    found = s.buckets(s.last_run + HOUR, items=10**9)
    assert found.source == RECOUNTED
    assert s.ledger_reads == 2


# --- identity coverage -------------------------------------------------------------------------
def test_a_fresh_tally_s_coverage_is_read_and_the_ledger_neither_read_nor_sized(
    s: Stack,
) -> None:
    assert s.last_run is not None
    as_of = s.last_run + 3 * HOUR + timedelta(minutes=30)
    s.run_now(as_of - timedelta(minutes=20))  # crm_sync ran 20 minutes before the report
    last_run = s.w.store.place().marks_through
    assert last_run is not None
    s.ledger_reads = 0

    rows, source = s.cover(as_of, items=10**9)

    assert source == Source(Basis.TALLY, last_run, as_of)
    assert rows == s.cover_recount(as_of)()  # the same numbers the ledger gives
    assert s.sized == 0
    assert s.warnings == []


def test_a_stale_coverage_over_a_small_ledger_is_recounted_from_every_touch(s: Stack) -> None:
    assert s.last_run is not None
    as_of = s.last_run + FRESH_FOR + timedelta(seconds=1)

    rows, source = s.cover(as_of, items=COVERAGE_RECOUNT_ITEMS)

    assert source == RECOUNTED
    assert s.ledger_reads == 1
    s.run_now(as_of)
    assert rows == s.cover_tallied(as_of)(False)  # what a fresh tally keeps


def test_a_stale_coverage_over_a_big_ledger_is_the_tally_s_as_of_its_run(s: Stack) -> None:
    assert s.last_run is not None
    as_of = s.last_run + 3 * FRESH_FOR

    rows, source = s.cover(as_of, items=COVERAGE_RECOUNT_ITEMS + 1)

    assert source == Source(Basis.STALE, s.last_run, as_of)
    assert s.ledger_reads == 0
    whole, now = rows[0], s.cover_recount(as_of)()[0]
    # the totals are now's (the rollups); the part from contacts the last run's: u1's quote since
    # counts as anonymous, so the share shown is lower than a recount's
    assert (whole.touches, whole.linked_touches) == (now.touches, now.linked_touches - 1)
    assert whole.touch_share < now.touch_share


class Gauges(dict[str, float]):
    """The report function's metrics (Powertools' Metrics), by name."""

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self[name] = value


def test_a_stale_tally_s_coverage_is_not_published_as_a_metric_and_the_reason_is_logged(
    s: Stack,
) -> None:
    assert s.last_run is not None
    as_of = s.last_run + 3 * FRESH_FOR
    rows, source = s.cover(as_of, items=COVERAGE_RECOUNT_ITEMS + 1)
    assert source.basis is Basis.STALE
    gauges, logged = Gauges(), list[str]()

    publish(gauges, IdentityCoverage(rows, [], source), logged.append)

    assert gauges == {}  # an alarm would read the last run's share as current
    assert logged == [NOT_PUBLISHED]  # once, the reason alone: no share, no count
    assert not any(ch.isdigit() for ch in NOT_PUBLISHED)


@pytest.mark.parametrize("items", [COVERAGE_RECOUNT_ITEMS, 10**9])
def test_a_fresh_or_recounted_coverage_is_published(s: Stack, items: int) -> None:
    assert s.last_run is not None
    as_of = s.last_run + 3 * FRESH_FOR
    if items > COVERAGE_RECOUNT_ITEMS:
        s.run_now(as_of - HOUR)  # crm_sync ran an hour before the report: the tally is fresh
    rows, source = s.cover(as_of, items=items)
    assert source.basis is not Basis.STALE
    gauges, logged = Gauges(), list[str]()

    publish(gauges, IdentityCoverage(rows, [], source), logged.append)

    assert set(gauges) == {"IdentityCoverage", "IdentityCoverageTouches"}
    assert gauges["IdentityCoverageTouches"] == float(rows[0].touch_share * 100)
    assert logged == []


def test_a_period_without_organic_touches_publishes_nothing_and_logs_nothing() -> None:
    gauges, logged = Gauges(), list[str]()
    publish(gauges, IdentityCoverage([], [], Source(Basis.STALE, LAST_RUN, AS_OF)), logged.append)
    assert (gauges, logged) == ({}, [])


# --- the page and the words --------------------------------------------------------------------
LAST_RUN = datetime(2026, 12, 4, 10, 15, tzinfo=UTC)
AS_OF = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)


def test_the_page_s_buckets_say_where_their_counts_come_from() -> None:
    row = [BucketRow(b.name, b.label, 3, 1) for b in MODEL.buckets]

    def shown(source: Source) -> str:
        return unescape(profiles.buckets(row, MODEL.buckets, 3, freshness.counted(source)))

    fresh = shown(Source(Basis.TALLY, AS_OF - HOUR, AS_OF))
    assert "as of crm_sync's last run, 2026-12-06 09:30 UTC (every 15 minutes" in fresh
    stale = shown(Source(Basis.STALE, LAST_RUN, AS_OF))
    assert (
        "as of crm_sync's last run, 2026-12-04 10:15 UTC, 2 days ago: crm_sync has not run "
        "since (no CRM chosen, or failing)"
    ) in stale
    recounted = shown(RECOUNTED)
    assert "recounted from every touch" in recounted
    assert "crm_sync" not in recounted


def test_the_page_s_coverage_says_where_its_part_from_contacts_comes_from() -> None:
    rows = coverage([touch("u1", AS_OF - HOUR)], {"x#u1"})

    def shown(source: Source) -> str:
        return unescape(section(IdentityCoverage(rows, [], source)))

    fresh = shown(Source(Basis.TALLY, AS_OF - HOUR, AS_OF))
    assert "The part from contacts is as of crm_sync's last run, 2026-12-06 09:30 UTC" in fresh
    stale = shown(Source(Basis.STALE, LAST_RUN - 24 * HOUR, AS_OF))
    assert "2026-12-03 10:15 UTC, 3 days ago: crm_sync has not run since" in stale
    assert "count as anonymous until it runs again" in stale
    recounted = shown(RECOUNTED)
    assert "The part from contacts is recounted from every touch" in recounted
    assert "last run" not in recounted
