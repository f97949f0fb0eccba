"""The report page's sections about sellers and posts, each an HTML fragment from the
Snapshot's rows: the sellers and teams, the days, the posts and accounts, attribution (the
profiles' sections are in profiles.py). A section shows its top rows in a chart and a table and
says how many more there are (blocks.py); amounts in two currencies are never added, nor drawn
on one axis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from operator import attrgetter

from socialscore.report import blocks, charts
from socialscore.report.blocks import Col
from socialscore.report.charts import ORGANIC, PAID, PALETTE, Series, fmt
from socialscore.report.rows import Amounts, DayRow, OpportunityView, PostRow, SellerRow
from socialscore.report.snapshot import Snapshot

TOP = 25  # rows of a leaderboard, posts or accounts, and bars of their charts


# --- the sections -----------------------------------------------------------------------------
SELLER_COLS: list[Col] = [("seller", None), ("team", None), ("organic pts", 1), ("touches", 0)]
SELLER_COLS += [("paid pts", 1), ("paid touches", 0), ("attributed", 2)]
SELLER_ROW = attrgetter(
    "seller_id", "team", "organic_points", "organic_touches", "paid_points", "paid_touches"
)
TEAM_COLS: list[Col] = [("team", None), ("sellers", 0), ("organic pts", 1), ("touches", 0)]
TEAM_COLS += [("paid pts", 1), ("attributed", 2)]
TEAM_ROW = attrgetter(
    "team", "sellers", "organic_points", "organic_touches", "paid_points", "attributed"
)
DAY_COLS: list[Col] = [("day", None), ("organic touches", 0), ("organic pts", 1)]
DAY_COLS += [("paid touches", 0), ("paid pts", 1)]
DAY_ROW = attrgetter("organic_touches", "organic_points", "paid_touches", "paid_points")
POST_COLS: list[Col] = [("post", None), ("account", None), ("conversation", 0)]
POST_COLS += [("amplification", 0), ("applause", 0), ("economic value", 2)]
POST_ROW = attrgetter("post", "account", "comments", "amplification", "applause")
ACCOUNT_COLS: list[Col] = [("account", None), ("posts", 0), ("reactions", 0)]
ACCOUNT_COLS += [("conversation/post", 2), ("amplification/post", 2), ("applause/post", 2)]
ACCOUNT_COLS += [("economic value", 2)]
ACCOUNT_ROW = attrgetter(
    "account", "posts", "reactions", "conversation", "amplification", "applause"
)
KAUSHIK = ("conversation", "amplification", "applause")


def sellers(rows: list[SellerRow]) -> str:
    if not rows:
        return blocks.none("seller has been credited")
    top, teams = rows[:TOP], Snapshot.teams(rows)
    chart = charts.bars(
        "chart-sellers",
        f"Seller leaderboard: organic points, top {len(top)}",
        [s.seller_id for s in top],
        [Series("organic points", [s.organic_points for s in top], ORGANIC)],
    )
    table = blocks.table(SELLER_COLS, [(*SELLER_ROW(s), s.attributed) for s in top])
    team_chart = charts.bars(
        "chart-teams",
        f"Team leaderboard: organic points, top {min(len(teams), TOP)}",
        [t.team for t in teams[:TOP]],
        [Series("organic points", [t.organic_points for t in teams[:TOP]], ORGANIC)],
    )
    team_table = blocks.table(TEAM_COLS, map(TEAM_ROW, teams[:TOP]))
    return (
        "<p class=lede>Organic points their posts earned (paid apart); attributed: opportunity "
        "value credited under the primary model, per currency.</p>"
        + blocks.pair(chart, table + blocks.more(len(rows), len(top), "sellers"))
        + "<h3>Teams</h3>"
        + blocks.pair(team_chart, team_table + blocks.more(len(teams), TOP, "teams"))
    )


def days(rows: list[DayRow]) -> str:
    if not rows:
        return blocks.none("touch has been scored")
    chart = charts.lines(
        "chart-days",
        f"Organic and paid points per day, {rows[0].day} to {rows[-1].day}",
        [d.day for d in rows],
        [
            Series("organic points", [d.organic_points for d in rows], ORGANIC),
            Series("paid points", [d.paid_points for d in rows], PAID),
        ],
    )
    table = blocks.table(DAY_COLS, [(d.day.isoformat(), *DAY_ROW(d)) for d in reversed(rows)])
    return (
        f"<p class=lede>{len(rows):,} days with touches (UTC); a day without any is a gap.</p>"
        f"{chart}<details><summary>The numbers, newest day first</summary>{table}</details>"
    )


def posts(rows: list[PostRow]) -> str:
    if not rows:
        return blocks.none("post has had organic reactions")
    top = rows[:TOP]
    chart = charts.bars(
        "chart-posts",
        f"Reactions per post by kind, top {len(top)}",
        [p.post for p in top],
        [
            Series(name, [(p.comments, p.amplification, p.applause)[n] for p in top], PALETTE[n])
            for n, name in enumerate(KAUSHIK)
        ],
    )
    table = blocks.table(POST_COLS, [(*POST_ROW(p), p.economic_value) for p in top])
    accounts = Snapshot.accounts(rows)
    shown = accounts[:TOP]
    account_chart = charts.bars(
        "chart-accounts",
        f"Reactions per post by kind, per account, top {len(shown)} by reactions",
        [a.account for a in shown],
        [
            Series(n, [(a.conversation, a.amplification, a.applause)[i] for a in shown], PALETTE[i])
            for i, n in enumerate(KAUSHIK)
        ],
        places=1,
    )
    account_table = blocks.table(ACCOUNT_COLS, [(*ACCOUNT_ROW(a), a.economic_value) for a in shown])
    return (
        "<p class=lede>Kaushik's social metrics: conversation = comments, amplification = "
        "shares and quotes, applause = likes, economic value = opportunity value attributed "
        "under the primary model, per currency.</p>"
        + blocks.pair(chart, table + blocks.more(len(rows), len(top), "posts"), over=True)
        + "<h3>Accounts</h3>"
        + blocks.pair(
            account_chart, account_table + blocks.more(len(accounts), len(shown), "accounts"), True
        )
    )


def attribution(
    opportunities: list[OpportunityView],
    by_currency: dict[str, dict[str, Amounts]],
    models: Sequence[str],
) -> str:
    """`by_currency`: the Snapshot's attributed("seller"): currency -> model -> seller -> amount."""
    if not opportunities:
        return blocks.none("opportunity has been synced from the CRM")
    primary = opportunities[0].primary
    order = [primary, *(m for m in models if m != primary)]
    parts = []
    for currency, by_model in by_currency.items():
        mine = [o for o in opportunities if o.currency == currency]
        touched = sum(1 for o in mine if o.touches)
        lede = (
            f"{len(mine):,} {'opportunity' if len(mine) == 1 else 'opportunities'} in "
            f"{currency}, {fmt(sum(o.amount for o in mine), 2)} "
            f"in all; {touched:,} with organic touches in their attribution window."
        )
        shown = [m for m in order if m in by_model]
        credit = by_model.get(primary, {})
        sellers = sorted(
            {s for m in shown for s in by_model[m]}, key=lambda s: (-credit.get(s, 0), s)
        )
        top = sellers[:TOP]
        if not top:
            parts.append(f"<h3>{escape(currency)}</h3><p class=lede>{escape(lede)}</p>")
            continue
        chart = charts.dots(
            f"chart-attribution-{re.sub(r'[^A-Za-z0-9]', '-', currency)}",
            f"Attributed {currency} by seller under each model, top {len(top)}",
            top,
            [
                Series(m, [by_model[m].get(s, Decimal(0)) for s in top], PALETTE[n % len(PALETTE)])
                for n, m in enumerate(shown)
            ],
        )
        table = blocks.table(
            [("seller", None), *((m, 2) for m in shown)],
            [(s, *(by_model[m].get(s, Decimal(0)) for m in shown)) for s in top],
        )
        parts.append(
            f"<h3>{escape(currency)}</h3><p class=lede>{escape(lede)}</p>"
            + blocks.pair(chart, table + blocks.more(len(sellers), len(top), "sellers"), over=True)
        )
    return (
        f"<p class=lede>The same opportunities split over sellers by every model the scoring "
        f"model computes; {escape(primary)} is the one the CRM and the leaderboard use.</p>"
        + "".join(parts)
    )
