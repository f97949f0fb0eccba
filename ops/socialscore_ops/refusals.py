"""refusals: what the webhooks refused, and the events they acknowledged without queueing, by
source and reason, over a window. Ingest counts both as CloudWatch metrics (EMF, namespace
socialscore: `WebhooksRefused` and `EventsIgnored`, dimensions service, source, reason); this
sums them with ListMetrics (every source and reason seen) and GetMetricData, the calls the
dashboard's graphs make.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from socialscore.aws import clients
from socialscore.aws.batch import chunks
from socialscore_ops.commands import Result, command
from socialscore_ops.output import table
from socialscore_ops.stack import Stack

NAMESPACE = "socialscore"
METRICS = {"WebhooksRefused": "refused", "EventsIgnored": "ignored"}
QUERIES = 500  # GetMetricData's limit per call
UNITS = {"m": 60, "h": 3600, "d": 86400}


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    parser = command(
        verbs, shared, "refusals", refusals, "webhooks refused and events ignored, by reason"
    )
    parser.add_argument(
        "--since",
        type=window,
        default=timedelta(hours=24),
        metavar="WINDOW",
        help="how far back: 90m, 24h, 14d (default 24h; CloudWatch keeps 15 months)",
    )


def window(value: str) -> timedelta:
    found = re.fullmatch(r"([1-9][0-9]{0,5})([mhd])", value.strip())
    if found is None:
        raise argparse.ArgumentTypeError(f"not a window: {value!r} (e.g. 24h, 90m, 7d)")
    return timedelta(seconds=int(found.group(1)) * UNITS[found.group(2)])


def refusals(stack: Stack | None, args: argparse.Namespace) -> Result:
    end = datetime.now(UTC)
    start = end - args.since
    counts = sums(start, end)
    rows = sorted(counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1:]))
    data = [
        {"what": what, "source": source, "reason": reason, "count": n}
        for (what, source, reason), n in rows
    ]
    since = f"since {start:%Y-%m-%d %H:%M} UTC"
    if not data:
        return Result(data, f"nothing refused or ignored {since}")
    lines = table(["", "source", "reason", "count"], [[*key, f"{n:,}"] for key, n in rows])
    return Result(data, f"webhooks refused and events ignored {since}\n{lines}")


def sums(start: datetime, end: datetime) -> dict[tuple[str, str, str], int]:
    """(refused | ignored, source, reason) -> how many in [start, end)."""
    cloudwatch = clients.client("cloudwatch")
    # One period over the whole window (a multiple of 60 seconds): one number per series.
    period = max(60, -(-int((end - start).total_seconds()) // 60) * 60)
    series: list[tuple[str, dict[str, Any]]] = []
    for name, what in METRICS.items():
        pages = cloudwatch.get_paginator("list_metrics").paginate(
            Namespace=NAMESPACE, MetricName=name
        )
        listed = {_key(metric): metric for page in pages for metric in page["Metrics"]}
        series += [(what, metric) for metric in listed.values()]
    counts: dict[tuple[str, str, str], int] = {}
    for chunk in chunks(list(enumerate(series)), QUERIES):
        queries = [
            {
                "Id": f"m{n}",
                "MetricStat": {"Metric": metric, "Period": period, "Stat": "Sum"},
                "ReturnData": True,
            }
            for n, (_, metric) in chunk
        ]
        reply = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
        for result in reply["MetricDataResults"]:
            what, metric = series[int(result["Id"][1:])]
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            key = (what, dimensions.get("source", "?"), dimensions.get("reason", "?"))
            total = int(sum(result.get("Values", [])))
            if total:
                counts[key] = counts.get(key, 0) + total
    return counts


def _key(metric: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A series by its dimensions (moto lists a series once per data point put)."""
    return tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
