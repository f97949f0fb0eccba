"""SQS rehydrate queue: permalinks -> post facts (on the source's word, from the cache or from
the provider), forwarded to the resolve queue.

Identify and post-deleted messages pass through (a post-deleted one purges the post cache on the
way). Interactions end as one of: forwarded; dropped with a logged, counted reason; deferred
(sent back to this queue with a delay, this delivery done); or failed (SQS retries it, then
moves it to the DLQ): the stage's (pipeline.rehydration), run by pipeline.stage.

The cold start imports Powertools' Logger and Metrics and boto3; the messages' models, the
stage and its provider are imported on first use.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from socialscore.aws.batch import Done, Received
    from socialscore.aws.config import RehydrateConfig
    from socialscore.aws.sqs import SqsQueue
    from socialscore.domain.messages import RehydrateMessage
    from socialscore.domain.scoring_model import ScoringModel
    from socialscore.pipeline.ports import MessageQueue
    from socialscore.pipeline.rehydration import Rehydrator

logger = Logger(service="rehydrate")
metrics = Metrics()


@cache
def settings() -> RehydrateConfig:
    from socialscore.aws.config import RehydrateConfig

    return RehydrateConfig.from_environment()


@cache
def rehydrator() -> Rehydrator:
    from socialscore.wiring.rehydrate import rehydrator as wired

    return wired(settings())


@cache
def queues() -> tuple[SqsQueue, SqsQueue]:
    """(the resolve queue, this stage's own queue for deferrals)"""
    from socialscore.wiring.rehydrate import queues as wired

    return wired(settings())


def handle(
    event: dict[str, Any],
    stage: Rehydrator,
    forward: MessageQueue,
    model: ScoringModel,
    later: MessageQueue,
) -> dict[str, Any]:
    from socialscore.domain.messages import REHYDRATE_MESSAGE
    from socialscore.pipeline import stage as runner

    def take(received: list[Received[RehydrateMessage]]) -> Done:
        return stage.take(received, model, forward, later)

    return runner.run(event, REHYDRATE_MESSAGE, take, later, logger=logger, metrics=metrics)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from socialscore.aws.config import scoring_model

    forward, later = queues()
    model = scoring_model(settings().scoring_model_parameter)
    return handle(event, rehydrator(), forward, model, later)
