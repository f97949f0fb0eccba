"""The report's identity coverage: the share of the period's organic touches and points that
came from profiles linked to a CRM contact, overall, per network and per seller (the linked part
as of crm_sync's last run, or recounted: report.covered, report.freshness; the page says which),
and the anonymous profiles with the best organic score now (ids only), the ones to identify
next."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html import escape
from typing import Protocol

from socialscore.report import blocks
from socialscore.report.blocks import Col
from socialscore.report.charts import fmt
from socialscore.report.covered import IdentityCoverage
from socialscore.report.freshness import Basis, Source
from socialscore.report.snapshot import Snapshot

TOP_ANONYMOUS = 10
COVERAGE_COLS: list[Col] = [("network", None), ("seller", None), ("organic touches", 0)]
COVERAGE_COLS += [("from contacts", 0), ("share of touches %", 1), ("organic pts", 1)]
COVERAGE_COLS += [("from contacts pts", 1), ("share of points %", 1)]
ANONYMOUS_COLS: list[Col] = [("profile", None), ("organic score", 1), ("organic touches", 0)]


def of(snapshot: Snapshot) -> IdentityCoverage:
    """Over the snapshot's period, with each profile's link as it is now (computed once a
    snapshot: the page and the report function's metric share it)."""
    return snapshot.identity_coverage(TOP_ANONYMOUS)


class Gauges(Protocol):
    """Where a metric goes (Powertools' Metrics)."""

    def add_metric(self, name: str, unit: str, value: float) -> None: ...


# Logged, once a run, when the metrics are left out: the reason alone, no figure.
NOT_PUBLISHED = (
    "IdentityCoverage and IdentityCoverageTouches not published: their part from contacts is "
    "crm_sync's tally of over a day ago (no CRM chosen, or failing)"
)


def publish(metrics: Gauges, found: IdentityCoverage, log: Callable[[str], None]) -> None:
    """IdentityCoverage and IdentityCoverageTouches (percent) for the report's period; neither
    for a period without organic touches, nor when the part from contacts is a stale tally's
    (report.freshness: crm_sync has not run for over a day and the ledger is too big to
    recount): a metric cannot say how old it is, and an alarm on it would read the old figure
    as current. The page still shows it, with its age."""
    whole = found.whole
    if whole is None:
        return
    if found.source.basis is Basis.STALE:
        log(NOT_PUBLISHED)
        return
    metrics.add_metric(
        name="IdentityCoverage", unit="Percent", value=float(percent(whole.point_share))
    )
    metrics.add_metric(
        name="IdentityCoverageTouches", unit="Percent", value=float(percent(whole.touch_share))
    )


def percent(share: Decimal) -> Decimal:
    return share * 100


def part_from_contacts(source: Source) -> str:
    """Where the part from contacts comes from, in words (report.freshness)."""
    said = f"The part from contacts is {source.words()}"
    if source.basis is Basis.RECOUNT:
        return f"{said}, with each profile's link as it is now."
    if source.basis is Basis.STALE:
        return (
            f"{said} (no CRM chosen, or failing): the linked touches since count as anonymous "
            "until it runs again, so the shares may be low."
        )
    return (
        f"{said} (every 15 minutes by default): a touch withdrawn since still counts there "
        "until the next run, never above its row's total."
    )


def section(found: IdentityCoverage) -> str:
    whole = found.whole
    if whole is None:
        return blocks.none("organic touches in this period")
    lede = (
        f"<p>{fmt(percent(whole.point_share), 1)} % of the period's organic points "
        f"({fmt(percent(whole.touch_share), 1)} % of its organic touches) came from profiles "
        "linked to a CRM contact: only those reach a seller's pipeline. Links come from the "
        "SMMS's identify events, `socialscore identities import` and the CRM contacts' own social "
        f"fields. {escape(part_from_contacts(found.source))}</p>"
    )
    rows = [
        [
            r.network,
            r.seller,
            r.touches,
            r.linked_touches,
            percent(r.touch_share),
            r.points,
            r.linked_points,
            percent(r.point_share),
        ]
        for r in found.rows
    ]
    table = blocks.table(COVERAGE_COLS, rows, "identity-coverage")
    if not found.anonymous:
        return lede + table
    top = blocks.table(
        ANONYMOUS_COLS,
        [[a.profile, a.score, a.touches] for a in found.anonymous],
        "anonymous-profiles",
    )
    return (
        lede
        + table
        + f"<h3>Anonymous profiles with the best organic score: whom to identify next</h3>{top}"
        + f"<p class=more>The top {escape(str(len(found.anonymous)))} now, by network#user id, "
        "whatever the period: their organic score (decayed) and every organic touch they "
        "kept.</p>"
    )
