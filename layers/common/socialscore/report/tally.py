"""Rows summed from other rows or from touches, pure: a period's seller and post counters (as the
score stage sums them), days, teams and accounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from socialscore.domain.aggregates import PostCounter, SellerCounter, coalesce
from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch
from socialscore.report.rows import AccountRow, DayRow, PostRow, SellerRow, TeamRow, total

Counters = dict[str, dict[str, Any]]  # who -> counter name -> value, as the scores table holds


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
    per_day: dict[date, list[Touch]] = defaultdict(list)
    for t in touches:
        per_day[t.occurred_at.date()].append(t)
    rows = []
    for day, mine in sorted(per_day.items()):
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
    grouped: dict[str, list[SellerRow]] = defaultdict(list)
    for row in sellers:
        grouped[row.team].append(row)
    rows = [
        TeamRow(
            team,
            len(rs),
            sum((r.organic_points for r in rs), Decimal(0)),
            sum(r.organic_touches for r in rs),
            sum((r.paid_points for r in rs), Decimal(0)),
            total(r.attributed for r in rs),
        )
        for team, rs in grouped.items()
    ]
    return sorted(rows, key=lambda r: (-r.organic_points, r.team))


def accounts(posts: list[PostRow]) -> list[AccountRow]:
    """Kaushik's rates per post, per account; most reactions first."""
    grouped: dict[str, list[PostRow]] = defaultdict(list)
    for row in posts:
        grouped[row.account].append(row)
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
        for account, rs in grouped.items()
    ]
    return sorted(rows, key=lambda r: (-r.reactions, r.account))
