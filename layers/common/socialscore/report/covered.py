"""Identity coverage (domain.coverage) folded a page of touches at a time, so that a report holds
one page of the ledger and the period's anonymous profiles' sums, never every touch: coverage's
rows are sums, and each page's anonymous profiles are summed into the period's before the best
are taken. The ledger is scanned whole (only it holds each touch's profile), filtered by
DynamoDB to the organic touches of the period's days (all read and billed, only those sent back:
docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.FilterExpression)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from socialscore.domain.coverage import Anonymous, Coverage, anonymous, coverage
from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger_items import entry_of


@dataclass(frozen=True)
class IdentityCoverage:
    rows: list[Coverage]  # the whole period's first, then per network, then per seller
    anonymous: list[Anonymous]

    @property
    def whole(self) -> Coverage | None:
        return self.rows[0] if self.rows else None


def folded(pages: Iterable[list[Touch]], linked: set[str], top: int) -> IdentityCoverage:
    """Over these pages' touches (each counted touch once), the `top` anonymous profiles."""
    points: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)

    def each() -> Iterator[Touch]:
        for page in pages:
            for a in anonymous(page, linked, limit=len(page)):
                points[a.profile] += a.points
                counts[a.profile] += a.touches
            yield from page

    rows = coverage(each(), linked)
    best = sorted(points, key=lambda p: (-points[p], p))[:top]  # as domain.coverage.anonymous
    return IdentityCoverage(rows, [Anonymous(p, points[p], counts[p]) for p in best])


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
