"""SQS resolve queue: actors -> contacts or anonymous profiles, authors -> sellers; links.

The cold start imports Powertools' Logger and Metrics and boto3; the messages' models and the
repositories are imported on first use.
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
    from socialscore.aws.sqs import SqsQueue
    from socialscore.domain.messages import ResolveMessage
    from socialscore.pipeline.ports import CrmPending, IdentityLinks, MessageQueue, SellerRegistry
    from socialscore.store.identities import Identities
    from socialscore.store.sellers import Sellers
    from socialscore.store.sync_state import SyncState

logger = Logger(service="resolve")
metrics = Metrics()


@cache
def repositories() -> tuple[Identities, Sellers, SqsQueue, SyncState, SqsQueue]:
    from socialscore.aws.config import ResolveConfig
    from socialscore.wiring.stages import resolve_ports

    return resolve_ports(ResolveConfig.from_environment())


def handle(
    event: dict[str, Any],
    identities: IdentityLinks,
    sellers: SellerRegistry,
    forward: MessageQueue,
    crm: CrmPending,
    alone: MessageQueue | None = None,
) -> dict[str, Any]:
    from socialscore.domain.messages import RESOLVE_MESSAGE
    from socialscore.pipeline import resolution
    from socialscore.pipeline import stage as runner

    def take(received: list[Received[ResolveMessage]]) -> Done:
        return resolution.take(received, identities, sellers, forward, crm, datetime.now(UTC))

    return runner.run(event, RESOLVE_MESSAGE, take, alone, logger=logger, metrics=metrics)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, *repositories())
