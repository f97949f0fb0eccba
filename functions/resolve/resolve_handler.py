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

from socialscore.aws import batch, telemetry
from socialscore.aws.sqs import SqsQueue

if TYPE_CHECKING:
    from socialscore.pipeline.ports import CrmPending, IdentityLinks, MessageQueue, SellerRegistry
    from socialscore.store.identities import Identities
    from socialscore.store.sellers import Sellers
    from socialscore.store.sync_state import SyncState

logger = Logger(service="resolve")
metrics = Metrics()


@cache
def repositories() -> tuple[Identities, Sellers, SqsQueue, SyncState, SqsQueue]:
    from socialscore.aws.config import ResolveConfig
    from socialscore.store.identities import Identities
    from socialscore.store.sellers import Sellers
    from socialscore.store.sync_state import SyncState

    config = ResolveConfig.from_environment()
    return (
        Identities(config.identities_table),
        Sellers(config.sellers_table),
        SqsQueue(config.score_queue_url),
        SyncState(config.sync_state_table),
        SqsQueue(config.resolve_queue_url),
    )


def handle(
    event: dict[str, Any],
    identities: IdentityLinks,
    sellers: SellerRegistry,
    forward: MessageQueue,
    crm: CrmPending,
    alone: MessageQueue | None = None,
) -> dict[str, Any]:
    from socialscore.domain.interaction import Identify, PostDeleted
    from socialscore.domain.messages import RESOLVE_MESSAGE, Rehydrated
    from socialscore.pipeline.resolution import resolve

    parsed, failed = batch.parse(event, RESOLVE_MESSAGE)
    correlation = telemetry.correlation_ids(event)
    telemetry.tag_batch(logger, correlation)
    telemetry.count(metrics, "PoisonMessages", len(failed))
    links = [m for _, m in parsed if isinstance(m, Identify)]
    if links:  # a contact's score is its identities' sum: crm_sync scores it again
        identities.link(links)
        crm.mark_changed(datetime.now(UTC), profiles=[link.identity for link in links])
    items = [(mid, m) for mid, m in parsed if isinstance(m, Rehydrated)]
    resolved = resolve([m for _, m in items], identities, sellers)
    outgoing = [
        (mid, r.model_dump_json())
        for (mid, _), r in zip(items, resolved, strict=True)
        if r is not None  # a seller's or the brand's own act: nobody's touch (logged)
    ]
    # Deleted posts take back ledger entries: scoring's business.
    outgoing += [(mid, m.model_dump_json()) for mid, m in parsed if isinstance(m, PostDeleted)]
    failed |= batch.unsent(forward.send(outgoing, correlation), "score")
    telemetry.count(metrics, "InteractionsResolved", len(resolved))
    telemetry.count(metrics, "ActsBySellersIgnored", resolved.count(None))
    telemetry.count(metrics, "IdentitiesLinked", len(links))
    return batch.partial_response(failed, event, alone)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, *repositories())
