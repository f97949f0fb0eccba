"""The report page's sections, each an HTML fragment from the Snapshot's rows: the sellers and
teams, the days, the posts and accounts, attribution, hot leads, the score distribution. A
section shows its top rows in a chart and a table and says how many more there are; every
value is escaped, and a number's exact value is in its cell's data-value (money's: JSON,
currency -> amount). Amounts in two currencies are never added, nor drawn on one axis.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from html import escape
from operator import attrgetter

from socialscore.report import charts
from socialscore.report.charts import ORGANIC, PAID, PALETTE, Series, fmt
from socialscore.report.rows import (
    Amounts,
    DayRow,
    OpportunityView,
    PostRow,
    ScoreRow,
    SellerRow,
    money_text,
)
from socialscore.report.snapshot import Snapshot

TOP = 25  # rows of a leaderboard, posts or accounts, and bars of their charts
TOP_LEADS = 50
SCORE_BINS = 20  # about; the bins' width is rounded to 1, 2, 2.5 or 5 x 10^k
Col = tuple[str, int | None]  # a header, and a number's decimal places (None: text)


# --- building blocks --------------------------------------------------------------------------
def _table(cols: Sequence[Col], rows: Iterable[Sequence[object]]) -> str:
    """Every cell escaped; a number right-aligned, rounded, its exact value in data-value."""
    head = "".join(f"<th{' class=n' if p is not None else ''}>{escape(h)}</th>" for h, p in cols)
    out = []
    for row in rows:
        cells = []
        for (_, places), value in zip(cols, row, strict=True):
            if places is not None and isinstance(value, dict):  # Money
                exact = json.dumps({c: str(a) for c, a in value.items()})
                cells.append(
                    f'<td class=n data-value="{escape(exact)}">{escape(money_text(value))}'
                )
            elif places is not None and isinstance(value, Decimal | float | int):
                shown = fmt(value, 0 if isinstance(value, int) else places)  # a count is whole
                cells.append(f'<td class=n data-value="{escape(str(value))}">{shown}')
            else:
                cells.append(f"<td>{escape('-' if value is None else str(value))}")
        out.append("<tr>" + "</td>".join(cells) + "</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(out)}</tbody></table>"


def _more(total: int, shown: int, what: str) -> str:
    return f"<p class=more>and {total - shown:,} more {escape(what)}</p>" if total > shown else ""


def _none(what: str) -> str:
    return f"<p class=more>No {escape(what)} yet.</p>"


def _pair(chart: str, table: str, over: bool = False) -> str:
    """A chart beside its table; `over`: the chart over a table that needs the page's width
    (long ids, money in several currencies, a column per model)."""
    return f"<div class='pair{' over' if over else ''}'><div>{chart}</div><div>{table}</div></div>"


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
        return _none("seller has been credited")
    top, teams = rows[:TOP], Snapshot.teams(rows)
    chart = charts.bars(
        "chart-sellers",
        f"Seller leaderboard: organic points, top {len(top)}",
        [s.seller_id for s in top],
        [Series("organic points", [s.organic_points for s in top], ORGANIC)],
    )
    table = _table(SELLER_COLS, [(*SELLER_ROW(s), s.attributed) for s in top])
    team_chart = charts.bars(
        "chart-teams",
        f"Team leaderboard: organic points, top {min(len(teams), TOP)}",
        [t.team for t in teams[:TOP]],
        [Series("organic points", [t.organic_points for t in teams[:TOP]], ORGANIC)],
    )
    team_table = _table(TEAM_COLS, map(TEAM_ROW, teams[:TOP]))
    return (
        "<p class=lede>Organic points their posts earned (paid apart); attributed: opportunity "
        "value credited under the primary model, per currency.</p>"
        + _pair(chart, table + _more(len(rows), len(top), "sellers"))
        + "<h3>Teams</h3>"
        + _pair(team_chart, team_table + _more(len(teams), TOP, "teams"))
    )


def days(rows: list[DayRow]) -> str:
    if not rows:
        return _none("touch has been scored")
    chart = charts.lines(
        "chart-days",
        f"Organic and paid points per day, {rows[0].day} to {rows[-1].day}",
        [d.day for d in rows],
        [
            Series("organic points", [d.organic_points for d in rows], ORGANIC),
            Series("paid points", [d.paid_points for d in rows], PAID),
        ],
    )
    table = _table(DAY_COLS, [(d.day.isoformat(), *DAY_ROW(d)) for d in reversed(rows)])
    return (
        f"<p class=lede>{len(rows):,} days with touches (UTC); a day without any is a gap.</p>"
        f"{chart}<details><summary>The numbers, newest day first</summary>{table}</details>"
    )


def posts(rows: list[PostRow]) -> str:
    if not rows:
        return _none("post has had organic reactions")
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
    table = _table(POST_COLS, [(*POST_ROW(p), p.economic_value) for p in top])
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
    account_table = _table(ACCOUNT_COLS, [(*ACCOUNT_ROW(a), a.economic_value) for a in shown])
    return (
        "<p class=lede>Kaushik's social metrics: conversation = comments, amplification = "
        "shares and quotes, applause = likes, economic value = opportunity value attributed "
        "under the primary model, per currency.</p>"
        + _pair(chart, table + _more(len(rows), len(top), "posts"), over=True)
        + "<h3>Accounts</h3>"
        + _pair(account_chart, account_table + _more(len(accounts), len(shown), "accounts"), True)
    )


def attribution(
    opportunities: list[OpportunityView],
    by_currency: dict[str, dict[str, Amounts]],
    models: Sequence[str],
) -> str:
    """`by_currency`: the Snapshot's attributed("seller"): currency -> model -> seller -> amount."""
    if not opportunities:
        return _none("opportunity has been synced from the CRM")
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
        table = _table(
            [("seller", None), *((m, 2) for m in shown)],
            [(s, *(by_model[m].get(s, Decimal(0)) for m in shown)) for s in top],
        )
        parts.append(
            f"<h3>{escape(currency)}</h3><p class=lede>{escape(lede)}</p>"
            + _pair(chart, table + _more(len(sellers), len(top), "sellers"), over=True)
        )
    return (
        f"<p class=lede>The same opportunities split over sellers by every model the scoring "
        f"model computes; {escape(primary)} is the one the CRM and the leaderboard use.</p>"
        + "".join(parts)
    )


def _when(stamp: str | None) -> str:
    try:
        return f"{datetime.fromisoformat(stamp or ''):%Y-%m-%d %H:%M}"
    except ValueError:
        return stamp or "-"


def hot_leads(hot: list[ScoreRow], threshold: float) -> str:
    if not hot:
        return _none("profile has crossed the hot-lead threshold")
    top = hot[:TOP_LEADS]
    cols: list[Col] = [("profile", None), ("kind", None), ("organic now", 2), ("paid now", 2)]
    cols += [("hot since (UTC)", None), ("still over threshold", None)]
    rows = [
        (
            s.who,
            "contact" if s.contact else "anonymous",
            s.organic,
            s.paid,
            _when(s.hot_since),
            "yes" if s.organic >= threshold else "no, cooled",
        )
        for s in top
    ]
    return (
        f"<p class=lede>Profiles announced hot (organic score reached {fmt(threshold, 1)}), "
        "best organic score first; a score decays, so a lead can cool.</p>"
        + _table(cols, rows)
        + _more(len(hot), len(top), "hot leads")
    )


def score_bins(organic: Sequence[float]) -> list[float]:
    """The histogram's bin edges: about SCORE_BINS even bins from 0 over every score. (Named
    score buckets, when the scoring model has them, are edges to return here.)"""
    width = charts.nice_ceiling(max(organic, default=0.0) / SCORE_BINS)
    count = max(1, math.ceil(max(organic, default=0.0) / width))
    return [width * n for n in range(count + 1)]


def distribution(scores: list[ScoreRow], threshold: float) -> str:
    if not scores:
        return _none("profile has been scored")
    organic = [max(s.organic, 0.0) for s in scores]
    edges = score_bins(organic)
    counts = [0] * (len(edges) - 1)
    for value in organic:  # the top edge is in the last bin
        counts[min(int(value // edges[1]), len(counts) - 1)] += 1
    ranked = sorted(organic)
    stats: list[tuple[str, float | int]] = [
        ("profiles", len(scores)),
        ("contacts", sum(1 for s in scores if s.contact)),
        ("median", ranked[len(ranked) // 2]),
        ("90th percentile", ranked[min(len(ranked) - 1, len(ranked) * 9 // 10)]),
        ("highest", ranked[-1]),
        ("at or over the threshold now", sum(1 for v in organic if v >= threshold)),
    ]
    chart = charts.histogram(
        "chart-scores",
        f"Profiles by organic score now, {len(scores):,} profiles",
        edges,
        counts,
        (threshold, "hot-lead threshold"),
    )
    table = _table(
        [("organic score", None), ("", 2)],
        stats,
    )
    return "<p class=lede>Every profile's organic score as of the report.</p>" + _pair(chart, table)
