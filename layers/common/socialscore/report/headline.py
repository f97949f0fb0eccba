"""The report's headline: the attributed pipeline of the period beside the period before's, per
currency under the primary model, and the period's counts beside the previous ones."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from socialscore.report import blocks
from socialscore.report.names import model_name
from socialscore.report.period import Period, moment_of
from socialscore.report.rows import Money, OpportunityView, ScoreRow, money
from socialscore.report.sections import change


def attributed(opportunities: Sequence[OpportunityView], period: Period) -> Money:
    """Per currency, what the primary model attributes of the opportunities created in the
    period: every touch's share (by network, where no touch is left out) summed. Each model
    splits the same amount, so this counts a deal once, never once per model."""
    return money(
        (o.currency, amount)
        for o in opportunities
        if period.holds(o.created_at)
        for amount in o.by_model.get(o.primary, {}).get("network", {}).values()
    )


def pipeline(opportunities: Sequence[OpportunityView], period: Period, primary: str) -> str:
    now, before = attributed(opportunities, period), attributed(opportunities, period.previous)
    currencies = sorted(set(now) | set(before))
    title = (
        f"<h2>Attributed pipeline, {escape(model_name(primary))} model (the primary)</h2>"
        "<p class=lede>The value of opportunities created in the period that organic touches "
        "earned, split under the primary model, per currency (never added across currencies). "
        "Every attribution model splits the same amount: it is counted once.</p>"
    )
    if not currencies:
        return title + blocks.none("opportunity with organic touches in either period")
    tiles = "".join(
        _tile(
            f"{now.get(c, Decimal(0)):,.2f} {c}",
            f"attributed {c}",
            f"{before.get(c, Decimal(0)):,.2f}",
            change(now.get(c, Decimal(0)), before.get(c)),
        )
        for c in currencies
    )
    rows = [(c, now.get(c, Decimal(0)), before.get(c, Decimal(0))) for c in currencies]
    table = blocks.table(
        [("currency", None), ("this period", 2), ("previous period", 2)], rows, "pipeline"
    )
    return (
        f"<div class=headline>{title}<div class='tiles big'>{tiles}</div>"
        f"<details><summary>As a table</summary>{table}</details></div>"
    )


def tiles(counts: Sequence[tuple[str, int, int]]) -> str:
    """(what, this period, the period before) each."""
    return (
        "<div class=tiles>"
        + "".join(_tile(f"{n:,}", what, f"{b:,}", change(n, b)) for what, n, b in counts)
        + "</div>"
    )


def hot_in(hot: Sequence[ScoreRow], period: Period) -> int:
    """The hot leads that became hot in the period."""
    return sum(1 for s in hot if period.holds(moment_of(s.hot_since)))


def _tile(value: str, label: str, previous: str, delta: str) -> str:
    return (
        f"<div class=tile><b>{escape(value)}</b><span>{escape(label)}</span>"
        f"<small>previous {escape(previous)} · {escape(delta)}</small></div>"
    )
