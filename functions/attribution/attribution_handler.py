"""Scheduled: Markov and Shapley channel shares over every journey, kept up to date, stored.

The cold start imports boto3 and Powertools' Logger; the configuration, the job and its
repositories are imported by the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialscore.aws.schedule import slot_time

if TYPE_CHECKING:
    from socialscore.pipeline.channel_attribution import ChannelAttributionJob

logger = Logger(service="attribution")


def job() -> ChannelAttributionJob:
    """The job on the stack's tables, from the function's configuration."""
    from socialscore.aws.config import AttributionJobConfig
    from socialscore.wiring.stages import channel_attribution_job

    return channel_attribution_job(AttributionJobConfig.from_environment())


def handle(
    event: dict[str, Any], job: ChannelAttributionJob, seconds_left: Callable[[], float]
) -> dict[str, Any]:
    """The shares as of the schedule's slot time, stored; what they cover, logged. A run out
    of time first saves its place and says so: the next run goes on from there."""
    result = job.run(slot_time(event), seconds_left)
    if result.get("done") is False:
        logger.warning("attribution not caught up: the next run goes on", extra=result)
        return result
    summary = {k: result[k] for k in ("version", "channel", "journeys", "conversions", "touches")}
    logger.info("channel shares stored", extra=summary)
    return result


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, job(), lambda: context.get_remaining_time_in_millis() / 1000)
