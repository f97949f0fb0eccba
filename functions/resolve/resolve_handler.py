"""SQS resolve queue: actors -> contacts or anonymous profiles, authors -> sellers; links."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from socialscore.aws import batch, config
from socialscore.aws.sqs import Queue
from socialscore.domain.interaction import Identify, PostDeleted, Retraction
from socialscore.pipeline.rehydration import Rehydrated
from socialscore.pipeline.resolution import resolve
from socialscore.store.identities import Identities
from socialscore.store.sellers import Sellers

logger = Logger(service="resolve")
MESSAGE: TypeAdapter[Rehydrated | Identify | Retraction | PostDeleted] = TypeAdapter(
    Rehydrated | Identify | Retraction | PostDeleted
)


@cache
def repositories() -> tuple[Identities, Sellers, Queue]:
    return Identities(), Sellers(), Queue(config.required("SCORE_QUEUE_URL"))


def handle(
    event: dict[str, Any], identities: Identities, sellers: Sellers, forward: Queue
) -> dict[str, Any]:
    parsed, failed = batch.parse(event, MESSAGE)
    for _, message in parsed:
        if isinstance(message, Identify):
            identities.link(message)
    items = [(mid, m) for mid, m in parsed if isinstance(m, Rehydrated)]
    resolved = resolve([m for _, m in items], identities, sellers)
    outgoing = [(mid, r.model_dump_json()) for (mid, _), r in zip(items, resolved, strict=True)]
    # Retractions and deleted posts take back ledger entries: scoring's business.
    outgoing += [
        (mid, m.model_dump_json()) for mid, m in parsed if isinstance(m, Retraction | PostDeleted)
    ]
    failed += forward.send(outgoing)
    return batch.partial_response(failed)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, *repositories())
