"""Scheduled: the report page, written to the stack's private report bucket (one object,
rewritten each run); `socialscore report --link` signs a link to it. The event names the
moment and the period: `{"as_of": "<aws.scheduler.scheduled-time>", "period": 30}` (7, 30 or
90 days; 30 when not given).

After the page is written, the run folds the closed days' rollup shards (store.rollup_fold)
within the time it has left, less a margin: the next day's report reads fewer items. After, not
before: the page reads the `by_day` index, which lags the writes a fold makes.

The cold start imports boto3 and Powertools' Logger; the configuration and the report are
imported by the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

# Its counts, and its warnings filter: a period without organic touches has no coverage to
# publish, no warning.
from socialscore.aws import telemetry

if TYPE_CHECKING:
    from socialscore.aws.config import ReportConfig

logger = Logger(service="report")
metrics = Metrics()
# What the fold leaves of the function's time: its last transaction and the log lines (a
# transaction of 100 actions takes well under a second).
FOLD_MARGIN_SECONDS = 20.0
FOLD_SECONDS = 60.0  # the fold's time when the caller gives none (a test, a local run)


def handle(
    event: dict[str, Any],
    settings: ReportConfig,
    now: datetime,
    seconds_left: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """The page as of the event's moment (`now` when it names none), written to the bucket;
    then the fold, while `seconds_left()` is over 0 (None: FOLD_SECONDS from the page)."""
    from socialscore.report.period import FOLD_BACK
    from socialscore.wiring.fold import fold_of

    # The page's reads are let go before the fold: its peak is then the larger of the two, not
    # their sum (bench/scale.py: the page's ~150 MB at 1,000,000 profiles held while folding).
    written = _page(event, settings, now)
    if seconds_left is None:
        until = time.monotonic() + FOLD_SECONDS
        seconds_left = lambda: until - time.monotonic()  # noqa: E731
    # Days are closed by the clock, not by the report's as-of (a report drawn for a past slot).
    try:
        folded = fold_of(settings.table, FOLD_BACK).run(now.date(), seconds_left)
    except (BotoCoreError, ClientError) as error:
        # The page is written: a failed fold (throttled past the SDK's retries, a role without
        # the fold's grants) must not fail the run, which the schedule would retry, drawing the
        # page again. Nothing is lost: the next run resumes (store.rollup_fold).
        reason = error.response["Error"]["Code"] if isinstance(error, ClientError) else "network"
        logger.warning("rollup fold stopped", extra={"reason": reason})
        telemetry.count(metrics, "RollupFoldStopped", 1)
        return written
    logger.info(
        "rollups folded",
        extra={
            "days": len(folded.days),
            "last_day": folded.days[-1] if folded.days else None,
            "names": folded.names,
            "shards_deleted": folded.shards_deleted,
            "left": dict(folded.left),
            "out_of_time": folded.out_of_time,
        },
    )
    return written


def _page(event: dict[str, Any], settings: ReportConfig, now: datetime) -> dict[str, Any]:
    """The page drawn and written; what it read goes with the return."""
    from socialscore.aws import clients
    from socialscore.report import LATEST_KEY, coverage, page, period
    from socialscore.report.snapshot import Snapshot

    # The slot time, so a retried run draws what the first attempt would have; a bad period is
    # the schedule's configuration to fix: it fails the run with the reason.
    at, days = period.from_event(event, now)
    snapshot = Snapshot(settings, at, days)
    html = page.render(snapshot).encode()
    # IdentityCoverage: the share of organic points from known contacts, as the page read it
    coverage.publish(metrics, coverage.of(snapshot), logger.warning)
    clients.client("s3").put_object(
        Bucket=settings.report_bucket,
        Key=LATEST_KEY,
        Body=html,
        ContentType="text/html; charset=utf-8",
        CacheControl="no-store",  # rewritten daily: a browser never shows a stale copy
    )
    written = {"bucket": settings.report_bucket, "key": LATEST_KEY, "bytes": len(html)}
    logger.info("report written", extra=written | {"period_days": days, "as_of": at.isoformat()})
    return written


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from socialscore.aws import config

    def seconds_left() -> float:
        return context.get_remaining_time_in_millis() / 1000 - FOLD_MARGIN_SECONDS

    return handle(event, config.ReportConfig.from_environment(), datetime.now(UTC), seconds_left)
