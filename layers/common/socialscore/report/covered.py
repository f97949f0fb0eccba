"""The report's identity coverage (domain.coverage), read in calls that follow the period's days,
never the number of profiles or touches:

- the totals from the rollups the score stage keeps (store.rollups: a Query per day, per network
  and per seller), the linked part from crm_sync's bucket tally (store.coverage_tally: an item a
  day), as of its last run (`tallied`), when report.freshness says so: fresh, or stale with a
  ledger too big to recount (the page then says how old); else from the ledger scanned whole,
  filtered by DynamoDB to the organic touches of the period's days (all read and billed, only
  those sent back:
  docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.FilterExpression),
  with the links as they are now (`ledger_pages`);
- the anonymous profiles to identify next: those with the best organic score now, read best
  first from the scores table's `by_units` index, the linked ones skipped (`anonymous`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any, Protocol

from socialscore.domain.bucket_tally import Place
from socialscore.domain.coverage import Anonymous, Coverage, Sums, coverage, over, rows
from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category
from socialscore.domain.rollups import Dimension, days_between
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch
from socialscore.report.freshness import Freshness, Source, coverage_rows, keeps, readable
from socialscore.report.leads import RankedScores
from socialscore.report.period import Period
from socialscore.store import dynamo
from socialscore.store.ledger_items import entry_of

ORGANIC_TOUCHES, ORGANIC_POINTS = f"{Category.ORGANIC}_touches", f"{Category.ORGANIC}_points"


@dataclass(frozen=True)
class IdentityCoverage:
    rows: list[Coverage]  # the whole period's first, then per network, then per seller
    anonymous: list[Anonymous]
    source: Source  # where the part from contacts comes from (report.freshness)

    @property
    def whole(self) -> Coverage | None:
        return self.rows[0] if self.rows else None


class CoverTally(Protocol):
    """The bucket tally's reads (store.bucket_tally.BucketTallyStore)."""

    def place(self) -> Place: ...

    def cover(self, days: list[date]) -> dict[str, Sums]: ...


class PeriodRollups(Protocol):
    def period(
        self, days: list[str], dimension: Dimension, only: tuple[str, ...] | None = None
    ) -> dict[str, dict[str, Any]]: ...


def tallied(
    tally: CoverTally,
    rollups: PeriodRollups,
    period: Period,
    as_of: datetime,
    since_run: bool = False,
) -> list[Coverage] | None:
    """The period's rows from the rollups and the tally; None when the tally does not keep the
    period's linked part as of `as_of` (not built with it, its last run after `as_of`, a first
    day it no longer keeps, or a last day after the last run's kept days: crm_sync has not run
    since the day before, its schedule disabled with no CRM chosen, or failing, and the tally
    knows nothing of the touches since). `since_run`: read all the same, the linked part as of
    that run (report.freshness: a ledger too big to recount; the page says so)."""
    place = tally.place()
    if not (readable(place, as_of) and keeps(place, period, since_run)):
        return None
    first, last = period.start.date(), (period.end - timedelta(days=1)).date()
    days = days_between(first, last)
    networks = _sums(rollups.period(days, Dimension.NETWORK))
    # the two counters alone: the sellers' rows read them already (store.rollups shares it)
    sellers = _sums(rollups.period(days, Dimension.SELLER, (ORGANIC_TOUCHES, ORGANIC_POINTS)))
    linked = over(tally.cover([date.fromisoformat(d) for d in days]).values())
    return rows(networks, sellers, linked)


def read(
    fresh: Freshness,
    tally: CoverTally,
    rollups: PeriodRollups,
    ledger: str,
    period: Period,
    as_of: datetime,
    linked: Callable[[], set[str]],
) -> tuple[list[Coverage], Source]:
    """The period's rows and where the part from contacts comes from: the rollups and the tally
    (`tallied`) when report.freshness says so (fresh, or stale and the ledger too big to
    recount: the source says how old); else the ledger's filtered scan a page at a time
    (`ledger_pages`), `linked` the identities linked to a contact now."""
    pages = ledger_pages(ledger, period.start, period.end)
    return coverage_rows(
        fresh,
        period,
        lambda stale: tallied(tally, rollups, period, as_of, stale),
        lambda: coverage((t for page in pages for t in page), linked()),
    )


def _sums(counters: Mapping[str, Mapping[str, Any]]) -> Sums:
    return {
        name: (int(c.get(ORGANIC_TOUCHES, 0)), Decimal(c.get(ORGANIC_POINTS, 0)))
        for name, c in counters.items()
    }


class Who(Protocol):
    """Who a profile is (report.leads.Groups: the snapshot's grouping, read lazily or whole)."""

    def prefetch(self, identities: Iterable[str]) -> None: ...

    def who(self, identity: str) -> str: ...


def anonymous(
    scores: RankedScores, groups: Who, model: ScoringModel, as_of: datetime, n: int
) -> list[Anonymous]:
    """The n profiles linked to no contact with the best organic score now, best first (ties by
    id), with their organic touches: the `by_units` index read best first, 4n a key a page, the
    links and the profile items of 4n at a time read together, until n are found and no later
    one can tie. The index is a little behind its table
    (docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reading): each
    profile's score is its item's, read consistently, and one whose item is gone (erased) is
    left out, never shown."""
    found: list[tuple[str, Decimal, int]] = []
    ranked = scores.ranked(Category.ORGANIC, page=4 * n)
    while chunk := list(islice(ranked, 4 * n)):
        groups.prefetch(i for i, _ in chunk)
        alone: list[str] = []
        last = False
        for identity, units in chunk:
            if units <= 0 or (len(found) >= n and units < found[n - 1][1]):
                last = True
                break
            if groups.who(identity) == identity:
                alone.append(identity)
        items = scores.profile_units(alone) if alone else {}
        for identity in alone:
            item = items.get((identity, Category.ORGANIC))
            if item is not None and item.units > 0:
                found.append((identity, item.units, item.touches))
        found.sort(key=lambda f: (-f[1], f[0]))
        if last:
            break
    return [
        Anonymous(p, score_at(units, as_of, model.half_life_seconds), touches)
        for p, units, touches in found[:n]
    ]


def ledger_pages(table: str, since: datetime, until: datetime) -> Iterator[list[Touch]]:
    """The counted organic touches from `since` to before `until`, a page of the ledger's scan at
    a time. DynamoDB's filter compares the stored ISO times as strings, so it keeps a day either
    side (any UTC offset) and each touch's own time decides here."""
    organic = {":organic": {"S": Category.ORGANIC.value}}
    days = {
        ":from": {"S": (since - timedelta(days=1)).isoformat()},
        ":to": {"S": (until + timedelta(days=1)).isoformat()},
    }
    for page in dynamo.scan_pages(
        table,
        FilterExpression="category = :organic AND occurred_at BETWEEN :from AND :to",
        ExpressionAttributeValues=organic | days,
    ):
        yield [
            t
            for item in page
            if (t := entry_of(item).counted) is not None and since <= t.occurred_at < until
        ]
