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
from socialscore.report.blocks import Col, Link
from socialscore.report.charts import ORGANIC, PAID, PALETTE, Series, fmt
from socialscore.report.links import post_link
from socialscore.report.names import model_name
from socialscore.report.rows import Amounts, DayRow, OpportunityView, PostRow, SellerRow
from socialscore.report.snapshot import Snapshot

TOP = 25  # rows of a leaderboard, posts or accounts, and bars of their charts


# --- the sections -----------------------------------------------------------------------------
SELLER_COLS: list[Col] = [("seller", None), ("team", None), ("organic pts", 1)]
SELLER_COLS += [("previous period", 1), ("change", None), ("touches", 0), ("paid pts", 1)]
SELLER_COLS += [("paid touches", 0), ("attributed", 2)]
TEAM_COLS: list[Col] = [("team", None), ("sellers", 0), ("organic pts", 1)]
TEAM_COLS += [("previous period", 1), ("change", None), ("touches", 0), ("paid pts", 1)]
TEAM_COLS += [("attributed", 2)]
DAY_COLS: list[Col] = [("day", None), ("organic touches", 0), ("organic pts", 1)]
DAY_COLS += [("paid touches", 0), ("paid pts", 1)]
DAY_ROW = attrgetter("organic_touches", "organic_points", "paid_touches", "paid_points")
POST_COLS: list[Col] = [("post", None), ("posted", None), ("account", None)]
POST_COLS += [("conversation", 0), ("amplification", 0), ("applause", 0), ("economic value", 2)]
ACCOUNT_COLS: list[Col] = [("account", None), ("posts", 0), ("reactions", 0)]
ACCOUNT_COLS += [("conversation/post", 2), ("amplification/post", 2), ("applause/post", 2)]
ACCOUNT_COLS += [("economic value", 2)]
ACCOUNT_ROW = attrgetter(
    "account", "posts", "reactions", "conversation", "amplification", "applause"
)
KAUSHIK = ("conversation", "amplification", "applause")


def change(now: Decimal | int, before: Decimal | int | None) -> str:
    """`+25%`, `-10%`, `=` or `new` (nothing in the previous period)."""
    if not before:
        return "new" if now else "="
    if now == before:
        return "="
    return f"{(Decimal(now) - Decimal(before)) / Decimal(before):+.0%}"


def sellers(rows: list[SellerRow], previous: list[SellerRow]) -> str:
    """`rows`: the period's, best first; `previous`: the period before's."""
    if not rows:
        return blocks.none("seller has been credited in this period")
    top, teams = rows[:TOP], Snapshot.teams(rows)
    chart, table = _leaderboard(
        "seller",
        [s.seller_id for s in top],
        [s.organic_points for s in top],
        {s.seller_id: s.organic_points for s in previous},
        SELLER_COLS,
        [(s.team,) for s in top],
        [(s.organic_touches, s.paid_points, s.paid_touches, s.attributed) for s in top],
    )
    team_chart, team_table = _leaderboard(
        "team",
        [t.team for t in teams[:TOP]],
        [t.organic_points for t in teams[:TOP]],
        {t.team: t.organic_points for t in Snapshot.teams(previous)},
        TEAM_COLS,
        [(t.sellers,) for t in teams[:TOP]],
        [(t.organic_touches, t.paid_points, t.attributed) for t in teams[:TOP]],
    )
    return (
        "<p class=lede>Organic points their posts earned in the period, beside the period "
        "before (paid apart); attributed: the value of opportunities created in the period "
        "credited under the primary model, per currency.</p>"
        + blocks.pair(chart, table + blocks.more(len(rows), len(top), "sellers"), over=True)
        + "<h3>Teams</h3>"
        + blocks.pair(team_chart, team_table + blocks.more(len(teams), TOP, "teams"))
    )


def _leaderboard(
    noun: str,
    names: list[str],
    points: list[Decimal],
    before: dict[str, Decimal],
    cols: list[Col],
    leading: list[tuple[object, ...]],
    trailing: list[tuple[object, ...]],
) -> tuple[str, str]:
    """A leaderboard's chart and table: each row's name, its `leading` cells, its organic
    points beside the previous period's and the change, then its `trailing` cells."""
    chart = charts.bars(
        f"chart-{noun}s",
        f"{noun.capitalize()} leaderboard: organic points, top {len(names)}",
        names,
        [Series("organic points", points, ORGANIC)],
        (noun, "organic points in the period"),
    )
    cells = [
        (name, *lead, now, before.get(name, Decimal(0)), change(now, before.get(name)), *trail)
        for name, now, lead, trail in zip(names, points, leading, trailing, strict=True)
    ]
    return chart, blocks.table(cols, cells, f"{noun}s")


def days(rows: list[DayRow]) -> str:
    if not rows:
        return blocks.none("touch has been scored in this period")
    chart = charts.lines(
        "chart-days",
        f"Organic and paid points per day, {rows[0].day} to {rows[-1].day}",
        [d.day for d in rows],
        [
            Series("organic points", [d.organic_points for d in rows], ORGANIC),
            Series("paid points", [d.paid_points for d in rows], PAID),
        ],
        "points",
    )
    table = blocks.table(
        DAY_COLS, [(d.day.isoformat(), *DAY_ROW(d)) for d in reversed(rows)], "days"
    )
    return (
        f"<p class=lede>{len(rows):,} days with touches in the period (UTC); a day without any "
        f"is a gap.</p>{chart}<details><summary>The numbers, newest day first</summary>"
        f"{table}</details>"
    )


def _by_kind(
    chart_id: str,
    title: str,
    kinds: dict[str, tuple[float, float, float]],
    axes: tuple[str, str],
    places: int = 0,
) -> str:
    """Bars of each name's conversation, amplification and applause (Kaushik's), stacked."""
    series = [
        Series(name, [each[n] for each in kinds.values()], PALETTE[n])
        for n, name in enumerate(KAUSHIK)
    ]
    return charts.bars(chart_id, title, list(kinds), series, axes, places)


def posts(rows: list[PostRow]) -> str:
    if not rows:
        return blocks.none("post has had organic reactions in this period")
    top = rows[:TOP]
    chart = _by_kind(
        "chart-posts",
        f"Reactions per post by kind, top {len(top)}",
        {p.post: (p.comments, p.amplification, p.applause) for p in top},
        ("post", "reactions in the period"),
    )
    table = blocks.table(
        POST_COLS,
        [
            (
                Link(p.post, post_link(p.post)),
                p.created.isoformat() if p.created else None,
                p.account,
                p.comments,
                p.amplification,
                p.applause,
                p.economic_value,
            )
            for p in top
        ],
        "posts",
    )
    accounts = Snapshot.accounts(rows)
    shown = accounts[:TOP]
    account_chart = _by_kind(
        "chart-accounts",
        f"Reactions per post by kind, per account, top {len(shown)} by reactions",
        {a.account: (a.conversation, a.amplification, a.applause) for a in shown},
        ("account", "reactions per post"),
        places=1,
    )
    account_table = blocks.table(
        ACCOUNT_COLS, [(*ACCOUNT_ROW(a), a.economic_value) for a in shown], "accounts"
    )
    return (
        "<p class=lede>The period's reactions to the brand's and sellers' posts, by Kaushik's "
        "social metrics: conversation = comments, amplification = shares and quotes, applause "
        "= likes, economic value = value of opportunities created in the period attributed "
        "under the primary model, per currency. A post opens on its network (X, Facebook, "
        "LinkedIn; an Instagram post known by its media id cannot be linked: Instagram's links "
        "need a shortcode only its API gives); posted: the network's date, while socialscore "
        "holds the post's facts (a day).</p>"
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
    """`opportunities`: the period's; `by_currency`: the Snapshot's attributed("seller") over
    them: currency -> model -> seller -> amount."""
    if not opportunities:
        return blocks.none("opportunity has been created in this period")
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
        slug = re.sub(r"[^A-Za-z0-9]", "-", currency)
        chart = charts.dots(
            f"chart-attribution-{slug}",
            f"Attributed {currency} by seller under each model, top {len(top)}",
            top,
            [
                Series(
                    model_name(m),
                    [by_model[m].get(s, Decimal(0)) for s in top],
                    PALETTE[n % len(PALETTE)],
                )
                for n, m in enumerate(shown)
            ],
            ("seller", f"attributed {currency}"),
        )
        table = blocks.table(
            [("seller", None), *((model_name(m), 2) for m in shown)],
            [(s, *(by_model[m].get(s, Decimal(0)) for m in shown)) for s in top],
            f"attribution-{slug}",
        )
        parts.append(
            f"<h3>{escape(currency)}</h3><p class=lede>{escape(lede)}</p>"
            + blocks.pair(chart, table + blocks.more(len(sellers), len(top), "sellers"), over=True)
        )
    return (
        f"<p class=lede>The opportunities created in the period split over sellers by every "
        f"model the scoring model computes; {escape(model_name(primary))} is the primary one, "
        "the one the CRM's reports and the leaderboard use.</p>" + "".join(parts)
    )
