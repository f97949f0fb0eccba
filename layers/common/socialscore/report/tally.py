"""Rows summed from other rows or from touches, pure: a period's seller and post counters (as the
score stage sums them), days, teams and accounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from socialscore.domain.aggregates import PostCounter, SellerCounter, coalesce
from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch
from socialscore.report.rows import (
    AccountRow,
    DayRow,
    Money,
    PostRow,
    SellerRow,
    TeamRow,
    total,
)

Counters = dict[str, dict[str, Any]]  # who -> counter name -> value, as the scores table holds
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


def grouped(rows: Iterable[R], key: Callable[[R], K]) -> dict[K, list[R]]:
    """The rows by `key`, each group in the rows' order."""
    groups: dict[K, list[R]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def between(
    touches: Iterable[Touch], since: datetime | None, until: datetime | None
) -> list[Touch]:
    """The touches from `since` to before `until` (None: no bound)."""
    after = since or datetime.min.replace(tzinfo=UTC)
    before = until or datetime.max.replace(tzinfo=UTC)
    return [t for t in touches if after <= t.occurred_at < before]


def counters(touches: list[Touch]) -> tuple[Counters, Counters]:
    """(sellers', posts') counters over these touches, as the score stage sums them: one shard,
    so each is whole."""
    aggregates = coalesce(touches, [], shard=0)
    sellers: Counters = {}
    posts: Counters = {}
    for key, sums in aggregates.counters.items():
        if isinstance(key, SellerCounter):
            sellers[key.seller_id] = {**sums, "team": aggregates.teams.get(key, "")}
        elif isinstance(key, PostCounter):
            posts[key.post] = dict(sums)
    return sellers, posts


def days(touches: Iterable[Touch]) -> list[DayRow]:
    """Touches and points per UTC day, organic and paid apart (never summed), oldest first."""
    rows = []
    for day, mine in sorted(grouped(touches, lambda t: t.occurred_at.date()).items()):
        organic = [t for t in mine if t.category is Category.ORGANIC]
        paid = [t for t in mine if t.category is Category.PAID]
        rows.append(
            DayRow(
                day,
                len(organic),
                len(paid),
                sum((Decimal(str(t.weight)) for t in organic), Decimal(0)),
                sum((Decimal(str(t.weight)) for t in paid), Decimal(0)),
            )
        )
    return rows


def teams(sellers: list[SellerRow]) -> list[TeamRow]:
    rows = [
        TeamRow(
            team,
            len(rs),
            sum((r.organic_points for r in rs), Decimal(0)),
            sum(r.organic_touches for r in rs),
            sum((r.paid_points for r in rs), Decimal(0)),
            total(r.attributed for r in rs),
        )
        for team, rs in grouped(sellers, lambda r: r.team).items()
    ]
    return sorted(rows, key=lambda r: (-r.organic_points, r.team))


def accounts(posts: list[PostRow]) -> list[AccountRow]:
    """Kaushik's rates per post, per account; most reactions first."""
    rows = [
        AccountRow(
            account,
            len(rs),
            sum(r.reactions for r in rs),
            sum(r.comments for r in rs) / len(rs),
            sum(r.amplification for r in rs) / len(rs),
            sum(r.applause for r in rs) / len(rs),
            total(r.economic_value for r in rs),
        )
        for account, rs in grouped(posts, lambda r: r.account).items()
    ]
    return sorted(rows, key=lambda r: (-r.reactions, r.account))


def seller_rows(
    counted: Counters, value: Mapping[str, Money], team: str | None = None
) -> list[SellerRow]:
    """Each seller (`counted`: its counters) as a row, of `team` alone when given, best organic
    points first; `value`: attributed."""
    rows = [
        SellerRow(
            seller,
            str(c.get("team", "")),
            Decimal(c.get("organic_points", 0)),
            int(c.get("organic_touches", 0)),
            Decimal(c.get("paid_points", 0)),
            int(c.get("paid_touches", 0)),
            value.get(seller, {}),
        )
        for seller, c in counted.items()
    ]
    rows = [r for r in rows if team is None or r.team == team]
    return sorted(rows, key=lambda r: (-r.organic_points, r.seller_id))


def post_rows(
    counted: Counters,
    accounts: Mapping[str, str],
    cache: Mapping[str, Mapping[str, Any]],
    value: Mapping[str, Money],
) -> list[PostRow]:
    """Each post with organic reactions (`counted`: its counters) as a row, most reactions
    first; `accounts`: post -> its author's seller id, else network#author id (a post not
    cached: "?"); `cache`: the provider's cached posts (their date); `value`: attributed."""
    rows = []
    for post, c in counted.items():
        n = _reactions(c)
        if not sum(n.values()):
            continue  # paid reactions only, or a click: no organic reaction to show
        created = cache.get(post, {}).get("created_at")
        rows.append(
            PostRow(
                post,
                accounts.get(post, "?"),
                n["comment"],
                n["share"] + n["quote"],
                n["like"],
                value.get(post, {}),
                datetime.fromisoformat(created).date() if created else None,
            )
        )
    return sorted(rows, key=lambda r: (-r.reactions, r.post))


# The counters a post's row shows, its organic reactions: a post without any has no row.
REACTIONS = tuple(f"organic_{k}" for k in ("comment", "share", "quote", "like"))


def _reactions(c: Mapping[str, Any]) -> dict[str, int]:
    return {k.removeprefix("organic_"): int(c.get(k, 0)) for k in REACTIONS}


def with_reactions(counted: Counters) -> int:
    """How many posts have a row in post_rows (an organic reaction): their counters, REACTIONS
    alone enough."""
    return sum(1 for c in counted.values() if sum(_reactions(c).values()))


# The counters a seller's row and a day's row show (a seller's team besides).
TOTALS = ("organic_touches", "paid_touches", "organic_points", "paid_points")


def day_rows(by_day: Mapping[str, Counters]) -> list[DayRow]:
    """Day by day (a UTC date -> its networks' rollups), the networks summed."""
    rows = []
    for day, networks in sorted(by_day.items()):
        n = {k: sum((c.get(k, Decimal(0)) for c in networks.values()), Decimal(0)) for k in TOTALS}
        rows.append(
            DayRow(
                date.fromisoformat(day),
                int(n["organic_touches"]),
                int(n["paid_touches"]),
                n["organic_points"],
                n["paid_points"],
            )
        )
    return rows
