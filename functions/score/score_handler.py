"""SQS score queue: exactly-once ledger and score updates, hot-lead and complaint events.

The cold start imports Powertools' Logger and Metrics and boto3; the messages' models, the
stage and its repositories are imported on first use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from socialscore.aws.batch import Done, Received
    from socialscore.aws.config import ScoreConfig
    from socialscore.domain.messages import ScoreMessage
    from socialscore.domain.scoring_model import ScoringModel
    from socialscore.pipeline.scoring import Scorer

logger = Logger(service="score")
metrics = Metrics()


@cache
def settings() -> ScoreConfig:
    from socialscore.aws.config import ScoreConfig

    return ScoreConfig.from_environment()


@cache
def scorer() -> Scorer:
    from socialscore.wiring.stages import scorer as wired

    return wired(settings())


def handle(
    event: dict[str, Any], stage: Scorer, model: ScoringModel, now: datetime
) -> dict[str, Any]:
    from socialscore.domain.messages import SCORE_MESSAGE
    from socialscore.pipeline import stage as runner

    def take(received: list[Received[ScoreMessage]]) -> Done:
        return stage.take(received, model, now)

    return runner.run(event, SCORE_MESSAGE, take, stage.later, logger=logger, metrics=metrics)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from socialscore.aws.config import scoring_model

    model = scoring_model(settings().scoring_model_parameter)
    return handle(event, scorer(), model, datetime.now(UTC))
