"""The report page's sections about profiles, each an HTML fragment from the Snapshot's rows:
the buckets (the scoring model's segments), the hot leads, the distribution of organic scores."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

from socialscore.domain.owners import Owner
from socialscore.domain.score_bins import bounds
from socialscore.domain.scoring_model import BucketRule, Condition
from socialscore.report import blocks, charts
from socialscore.report.blocks import Col
from socialscore.report.charts import PALETTE, Series, fmt
from socialscore.report.period import moment_of
from socialscore.report.rows import BucketRow, ScoreRow
from socialscore.report.spread import Binned, Spread

TOP_LEADS = 50
SCORE_BINS = 20  # about; the bins' width is rounded to 1, 2, 2.5 or 5 x 10^k
BUCKET_COLS: list[Col] = [("bucket", None), ("name", None), ("rule", None), ("profiles", 0)]
BUCKET_COLS += [("contacts", 0)]


def _condition(c: Condition) -> str:
    window = f" in the last {c.within_days:,} days" if c.within_days is not None else ""
    places = 0 if c.at_least.is_integer() else 2
    return f"{c.fact.replace('_', ' ')} at least {fmt(c.at_least, places)}{window}"


def rule_text(rule: BucketRule) -> str:
    """The rule in words, as the model states it."""
    if rule.otherwise:
        return "every other scored profile"
    return "; ".join(_condition(c) for c in rule.all)


def buckets(rows: list[BucketRow], rules: Sequence[BucketRule], profiles: int, note: str) -> str:
    """`rows`: the Snapshot's buckets() of `profiles` scored profiles, in the model's order;
    `note`: where the counts come from (report.freshness.counted)."""
    if not rules:
        return "<p class=more>The scoring model defines no buckets.</p>"
    if not profiles:
        return blocks.none("profile has been scored")
    chart = charts.bars(
        "chart-buckets",
        f"Profiles in each bucket, of {profiles:,} scored",
        [b.label for b in rows],
        [
            # not organic's and paid's colours: these are kinds of profile, not of points
            Series("contacts", [b.contacts for b in rows], PALETTE[2]),
            Series("anonymous", [b.profiles - b.contacts for b in rows], PALETTE[3]),
        ],
        ("bucket", "profiles"),
    )
    table = blocks.table(
        BUCKET_COLS,
        [
            (b.label, b.name, rule_text(r), b.profiles, b.contacts)
            for b, r in zip(rows, rules, strict=True)
        ],
        "buckets",
    )
    return (
        "<p class=lede>A profile (a contact: over all its identities) is in every bucket "
        "whose rule holds as of the report, so it can be in several. The rules and the names "
        f"are the scoring model's; socialscore profile shows one profile's. {escape(note)}</p>"
        + blocks.pair(chart, table, over=True)
    )


def _when(stamp: str | None) -> str:
    try:
        return f"{datetime.fromisoformat(stamp or ''):%Y-%m-%d %H:%M}"
    except ValueError:
        return stamp or "-"


OWNER_KINDS = {"crm_owner": "CRM owner", "seller": "seller"}


def owner_text(owner: Owner | None) -> str:
    """`005A (CRM owner)`, `s-ana (seller)`, or the owner queue when neither is known."""
    if owner is None or owner.type not in OWNER_KINDS:
        return "owner queue"
    return f"{owner.id} ({OWNER_KINDS[owner.type]})"


def hot_leads(
    hot: list[ScoreRow], threshold: float, labels: Mapping[str, str], since: datetime
) -> str:
    """`labels`: bucket name -> its label, as the model names them; `since`: the period's start
    (a lead hot since then is new)."""
    if not hot:
        return blocks.none("profile has crossed the hot-lead threshold")
    top = hot[:TOP_LEADS]
    cols: list[Col] = [("profile", None), ("kind", None), ("owner", None), ("organic now", 2)]
    cols += [("paid now", 2), ("hot since (UTC)", None), ("new in period", None)]
    cols += [("still over threshold", None), ("buckets", None)]
    rows = [
        (
            s.who,
            "contact" if s.contact else "anonymous",
            owner_text(s.owner),
            s.organic,
            s.paid,
            _when(s.hot_since),
            "yes" if moment_of(s.hot_since) >= since else "no",
            "yes" if s.organic >= threshold else "no, cooled",
            ", ".join(labels.get(b, b) for b in s.buckets) or "-",
        )
        for s in top
    ]
    return (
        f"<p class=lede>Profiles announced hot (organic score reached {fmt(threshold, 1)}), "
        "best organic score first; a score decays, so a lead can cool. Owner: whom the hot-lead "
        "event named, the contact's CRM owner, else the seller whose posts earned most of its "
        "organic touches, else the owner queue.</p>"
        + blocks.table(cols, rows, "hot-leads")
        + blocks.more(len(hot), len(top), "hot leads")
    )


def score_bins(organic: Sequence[float]) -> list[float]:
    """The histogram's bin edges: about SCORE_BINS even bins from 0 over every score."""
    width = charts.nice_ceiling(max(organic, default=0.0) / SCORE_BINS)
    count = max(1, math.ceil(max(organic, default=0.0) / width))
    return [width * n for n in range(count + 1)]


def distribution(spread: Spread | Binned, threshold: float) -> str:
    if not spread.profiles:
        return blocks.none("profile has been scored")
    if isinstance(spread, Binned):
        return binned(spread)
    ranked = spread.organic  # lowest first
    edges = score_bins(ranked)
    counts = [0] * (len(edges) - 1)
    for value in ranked:  # the top edge is in the last bin
        counts[min(int(value // edges[1]), len(counts) - 1)] += 1
    stats: list[tuple[str, float | int]] = [
        ("profiles", spread.profiles),
        ("contacts", spread.contacts),
        ("median", ranked[len(ranked) // 2]),
        ("90th percentile", ranked[min(len(ranked) - 1, len(ranked) * 9 // 10)]),
        ("highest", ranked[-1]),
        ("at or over the threshold now", sum(1 for v in ranked if v >= threshold)),
    ]
    chart = charts.histogram(
        "chart-scores",
        f"Profiles by organic score now, {spread.profiles:,} profiles",
        edges,
        counts,
        ("organic score now", "profiles"),
        (threshold, "hot-lead threshold"),
    )
    table = blocks.table([("organic score", None), ("", 2)], stats, "scores")
    return "<p class=lede>Every profile's organic score as of the report.</p>" + blocks.pair(
        chart, table
    )


def bin_label(n: int, threshold: float) -> str:
    """`0`, `under 0.78`, `50 to 100`, `3,200 and over` (domain.score_bins.bounds)."""
    lower, upper = bounds(n, threshold)
    if n == 0:
        return "0"
    if n == 1:
        return f"under {_edge(upper or 0.0)}"
    return f"{_edge(lower)} and over" if upper is None else f"{_edge(lower)} to {_edge(upper)}"


def _edge(value: float) -> str:
    return fmt(value, 0 if value.is_integer() else 2)


def binned(spread: Binned) -> str:
    """The distribution from crm_sync's tally's score bins: the bins double in width (a log
    scale), so the median and the 90th percentile are the bins they fall in."""
    used = [n for n, (p, _) in spread.bins.items() if p]
    shown = range(min(used), max(used) + 1)
    threshold, profiles = spread.threshold, spread.profiles
    chart = charts.bars(
        "chart-scores",
        f"Profiles by organic score now, {profiles:,} profiles (log scale: each bin twice as wide)",
        [bin_label(n, threshold) for n in shown],
        [
            Series("contacts", [spread.bins.get(n, (0, 0))[1] for n in shown], PALETTE[2]),
            Series("anonymous", [_anonymous(spread, n) for n in shown], PALETTE[3]),
        ],
        ("organic score now", "profiles"),
    )
    stats: list[tuple[str, float | int | str]] = [
        ("profiles", profiles),
        ("contacts", spread.contacts),
        ("median", bin_label(spread.at(profiles // 2), threshold)),
        ("90th percentile", bin_label(spread.at(min(profiles - 1, profiles * 9 // 10)), threshold)),
        ("highest", spread.highest),
        ("at or over the threshold now", spread.over()),
    ]
    table = blocks.table([("organic score", None), ("", 2)], stats, "scores")
    return (
        "<p class=lede>Every profile's organic score, in bins that double in width (a log "
        f"scale); the hot-lead threshold, {fmt(threshold, 1)}, starts a bin. The median and the "
        "90th percentile are the bins they fall in; the highest is the best profile's score as "
        f"of the report. {escape(spread.note)}</p>" + blocks.pair(chart, table)
    )


def _anonymous(spread: Binned, n: int) -> int:
    p, c = spread.bins.get(n, (0, 0))
    return p - c
