"""Whether the report shows crm_sync's bucket tally (the bucket counts, the score bins, identity
coverage's part from contacts) or recounts from every touch, and the words that say which. One
rule for all:

- fresh: crm_sync's last run (the tally's `marks_through`) at most a day before the report's
  moment: the tally is read (a few items);
- older (crm_sync stopped: no CRM chosen, its schedule disabled; or failing, expired CRM
  credentials say) and the ledger small enough for the recount to fit the report function with
  3x headroom: recounted from every touch;
- older and the ledger too big: the tally's numbers, named as of that run with its age where
  they are shown, and a warning logged once a view: never a number shown as current that is
  not, never a report that runs out of time.

Not built yet (`socialscore rebuild`), built before it kept coverage (or the score bins, or
with another hot-lead threshold: its bins' edges), or a moment before
crm_sync's last run (an `--as-of` in the past): recounted, as before the tally, whatever the
ledger's size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any, Protocol

from socialscore.aws.logs import logger
from socialscore.domain.bucket_tally import Counts, Place
from socialscore.domain.coverage import KEPT_DAYS, Coverage, Sums
from socialscore.domain.score_bins import signature
from socialscore.report.period import Period
from socialscore.report.rows import BucketRow, ScoreRow
from socialscore.report.spread import Binned, Spread, binned
from socialscore.store.bucket_tally import BucketTallyStore, TallyNotBuilt
from socialscore.store.table_size import item_count

FRESH_FOR = timedelta(days=1)

# The ledger's items (DescribeTable's count: store.table_size) up to which a recount fits a third
# of the report function's 300 s and 1,024 MB (100 s, ~340 MB):
# - identity coverage scans the ledger, filtered by DynamoDB, folded a page at a time (little
#   memory): bench/scale.py at 100,000 profiles walked 1,001,328 items in ~20-25 s of Lambda time,
#   the whole report 78.4 s and 95 MB peak (load 4-8; README, "Measuring it").
COVERAGE_RECOUNT_ITEMS = 1_000_000
# - the buckets' recount reads the scores table and the ledger whole and holds every touch: 754 B
#   a touch held (tracemalloc, 200,000 touches as the ledger's parse makes them, load 5), so
#   300,000 items hold ~226 MB, beside the profile items and the grouping.
BUCKETS_RECOUNT_ITEMS = 300_000


class Basis(StrEnum):
    TALLY = "tally"  # fresh: as of crm_sync's last run, at most a day ago
    RECOUNT = "recount"  # from every touch, as of the report's moment
    STALE = "stale"  # the tally of a crm_sync that has not run for over a day


@dataclass(frozen=True)
class Source:
    """Where a view's numbers come from; `last_run` and `as_of` date the tally's."""

    basis: Basis
    last_run: datetime | None = None
    as_of: datetime | None = None

    @property
    def age(self) -> timedelta | None:
        if self.last_run is None or self.as_of is None:
            return None
        return self.as_of - self.last_run

    def words(self) -> str:
        """`as of crm_sync's last run, 2026-12-04 10:15 UTC, 2 days ago: crm_sync has not run
        since`, `as of crm_sync's last run, 2026-12-06 09:45 UTC` or `recounted from every
        touch`."""
        if self.basis is Basis.RECOUNT or self.last_run is None:
            return "recounted from every touch"
        run = f"as of crm_sync's last run, {self.last_run.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        if self.basis is Basis.TALLY:
            return run
        return f"{run}, {ago(self.age or FRESH_FOR)}: crm_sync has not run since"

    def data(self) -> dict[str, Any]:
        """For a command's --json."""
        return {"basis": self.basis.value, "last_run": self.last_run}


RECOUNTED = Source(Basis.RECOUNT)


def counted(source: Source) -> str:
    """The buckets section's words for where its counts come from."""
    if source.basis is Basis.RECOUNT:
        return "The counts are recounted from every touch as of the report's moment."
    said = f"The counts are {source.words()}"
    if source.basis is Basis.STALE:
        return f"{said} (no CRM chosen, or failing): profiles may have moved since."
    return f"{said} (every 15 minutes by default)."


def ago(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours} hours ago" if hours < 48 else f"{age.days} days ago"


@dataclass(frozen=True)
class CountedBuckets:
    rows: list[BucketRow]
    source: Source


class TallyPlace(Protocol):
    def place(self) -> Place: ...


Warn = Callable[[str, Mapping[str, Any]], None]


class Freshness:
    """A snapshot's decision for each view: the tally's place read once, the ledger's size
    asked only when the tally is stale."""

    def __init__(
        self, tally: TallyPlace, ledger_items: Callable[[], int], as_of: datetime, warn: Warn
    ) -> None:
        self._tally, self._ledger_items, self._as_of, self._warn = tally, ledger_items, as_of, warn
        self._warned: set[str] = set()

    @cached_property
    def place(self) -> Place:
        return self._tally.place()

    @cached_property
    def _items(self) -> int:
        return self._ledger_items()

    def _readable(self) -> bool:
        return readable(self.place, self._as_of)

    def buckets(self) -> Source:
        return self._source("buckets", self._readable(), BUCKETS_RECOUNT_ITEMS)

    def spread(self, bins: str) -> Source:
        """The score distribution's: the tally's bins if built with these (score_bins.signature)."""
        usable = self._readable() and self.place.bins == bins
        return self._source("score distribution", usable, BUCKETS_RECOUNT_ITEMS)

    def coverage(self, period: Period) -> Source:
        usable = self._readable() and keeps(self.place, period, since_run=True)
        return self._source("identity coverage", usable, COVERAGE_RECOUNT_ITEMS)

    def _source(self, view: str, usable: bool, most: int) -> Source:
        last_run = self.place.marks_through
        if not usable or last_run is None:
            return RECOUNTED
        if self._as_of - last_run <= FRESH_FOR:
            return Source(Basis.TALLY, last_run, self._as_of)
        if self._items <= most:
            return RECOUNTED
        stale = Source(Basis.STALE, last_run, self._as_of)
        if view not in self._warned:
            self._warned.add(view)
            self._warn(
                "shown as of crm_sync's last run: it has not run for over a day and the ledger "
                "is too big to recount in time",
                {
                    "view": view,
                    "last_run": last_run.isoformat(),
                    "hours": _hours(stale),
                    "ledger_items": self._items,
                    "recount_up_to": most,
                },
            )
        return stale


class TallyReads:
    """crm_sync's bucket tally as one snapshot reads it: its place and its built counts read
    once each, whichever views ask (the buckets, the score bins, identity coverage)."""

    def __init__(self, store: BucketTallyStore) -> None:
        self._store = store
        self._place: Place | None = None
        self._counts: Counts | None = None

    def place(self) -> Place:
        if self._place is None:
            self._place = self._store.place()
        return self._place

    def built_counts(self) -> Counts:
        """store.bucket_tally's built_counts, once (TallyNotBuilt is not kept: asked again)."""
        if self._counts is None:
            self._counts = self._store.built_counts()
        return self._counts

    def cover(self, days: list[date]) -> dict[str, Sums]:
        return self._store.cover(days)


def of_tables(tally: TallyReads, ledger: str, as_of: datetime) -> Freshness:
    """A stack's: its tally (read once a snapshot), the ledger sized by DescribeTable
    (store.table_size), the warning logged."""
    return Freshness(tally, lambda: item_count(ledger), as_of, _warn)


def _warn(message: str, extra: Mapping[str, Any]) -> None:
    logger().warning(message, extra=dict(extra))


def counted_buckets(
    fresh: Freshness, tallied: Callable[[], list[BucketRow]], recount: Callable[[], list[BucketRow]]
) -> CountedBuckets:
    """The bucket rows from the tally (`tallied`: report.rows.tallied_buckets of
    store.bucket_tally's built_counts) or recounted (`recount`), as the rule says."""
    source = fresh.buckets()
    if source.basis is not Basis.RECOUNT:
        with suppress(TallyNotBuilt):  # a rebuild started since the place was read
            return CountedBuckets(tallied(), source)
    return CountedBuckets(recount(), RECOUNTED)


def counted_spread(
    fresh: Freshness,
    threshold: float,
    tallied: Callable[[], Counts],
    best: Callable[[], list[ScoreRow]],
    recount: Callable[[], Spread],
) -> Spread | Binned:
    """The score distribution from the tally's bins (`tallied`: store.bucket_tally's
    built_counts; `best`: the ranking's best profile, for the highest score) or every profile's
    score (`recount`: report.spread), as the rule says."""
    source = fresh.spread(signature(threshold))
    if source.basis is not Basis.RECOUNT:
        with suppress(TallyNotBuilt):  # a rebuild started since the place was read
            return binned(tallied(), threshold, best(), counted(source))
    return recount()


def coverage_rows(
    fresh: Freshness,
    period: Period,
    tallied: Callable[[bool], list[Coverage] | None],
    recount: Callable[[], list[Coverage]],
) -> tuple[list[Coverage], Source]:
    """Identity coverage's rows from the rollups and the tally (`tallied(since_run)`:
    report.covered.tallied) or recounted (`recount`: the ledger's scan), as the rule says."""
    source = fresh.coverage(period)
    if source.basis is not Basis.RECOUNT:
        rows = tallied(source.basis is Basis.STALE)
        if rows is not None:
            return rows, source
    return recount(), RECOUNTED


def readable(place: Place, as_of: datetime) -> bool:
    """Built, and as of a moment at or after its last run (an earlier one recounts)."""
    return place.built and place.marks_through is not None and place.marks_through <= as_of


def keeps(place: Place, period: Period, since_run: bool) -> bool:
    """Whether the tally keeps the period's part from contacts: built with it, the period's
    first day still kept (90 days before the last run's) and, unless `since_run` (its numbers
    shown as of that run), its last day no later than the day after that run's (a crm_sync
    stopped for longer knows nothing of the touches since)."""
    first, last = period.start.date(), (period.end - timedelta(days=1)).date()
    due = place.due_from
    return (
        place.cover
        and due is not None
        and first >= due - timedelta(days=KEPT_DAYS)
        and (since_run or last <= due + timedelta(days=1))
    )


def _hours(source: Source) -> int:
    return int((source.age or FRESH_FOR).total_seconds() // 3600)
