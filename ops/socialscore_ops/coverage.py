"""coverage: identity coverage over a period, as the report page shows it: the share of organic
touches and points from profiles linked to a CRM contact (overall, per network, per seller; the
linked part as of crm_sync's last run, or recounted: report.freshness, and it says which, with
the last run's age when crm_sync has not run for over a day) and the anonymous profiles with the
best organic score now, by id."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from socialscore.report import coverage as report_coverage
from socialscore.report.period import DEFAULT_PERIOD, PERIODS
from socialscore.report.snapshot import Snapshot
from socialscore_ops.commands import Result, as_of_option, command
from socialscore_ops.output import table
from socialscore_ops.stack import Stack

HEADERS = ["network", "seller", "touches", "from contacts", "touches %", "points"]
HEADERS += ["from contacts pts", "points %"]


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    parser = command(verbs, shared, "coverage", coverage)
    as_of_option(parser, "the period up to DATE")
    parser.add_argument(
        "--period",
        type=int,
        choices=PERIODS,
        default=DEFAULT_PERIOD,
        metavar="DAYS",
        help=f"7, 30 or 90 days (default {DEFAULT_PERIOD})",
    )


def coverage(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    snapshot = Snapshot(stack, args.as_of or datetime.now(UTC), args.period)
    found = report_coverage.of(snapshot)
    rows = [
        [
            r.network,
            r.seller,
            r.touches,
            r.linked_touches,
            round(report_coverage.percent(r.touch_share), 1),
            r.points,
            r.linked_points,
            round(report_coverage.percent(r.point_share), 1),
        ]
        for r in found.rows
    ]
    top = [[a.profile, round(a.score, 1), a.touches] for a in found.anonymous]
    text = (
        f"Identity coverage, {snapshot.period.label} (organic only)\n"
        + f"{report_coverage.part_from_contacts(found.source)}\n"
        + table(HEADERS, rows, empty="no organic touch in this period")
        + "\n\nAnonymous profiles with the best organic score now (whom to identify next)\n"
        + table(["profile", "organic score", "organic touches"], top, empty="none")
    )
    data = {
        "period": {"start": snapshot.period.start, "end": snapshot.period.end},
        "from_contacts": found.source.data(),  # tally, recount or stale, and the last run
        "coverage": [
            {
                "network": r.network,
                "seller": r.seller,
                "touches": r.touches,
                "linked_touches": r.linked_touches,
                "touch_share": r.touch_share,
                "points": r.points,
                "linked_points": r.linked_points,
                "point_share": r.point_share,
            }
            for r in found.rows
        ],
        "anonymous": [
            {"profile": a.profile, "score": a.score, "touches": a.touches} for a in found.anonymous
        ],
    }
    return Result(data, text)
