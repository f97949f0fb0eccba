"""SQS rehydrate queue: permalinks -> post facts (cached), forwarded to the resolve queue."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from socialscore import scoring_model, settings, sqs_batch
from socialscore.interaction import Identify, Interaction
from socialscore.post_cache import PostCache
from socialscore.queue import Queue
from socialscore.rehydration import Dropped, Rehydrator, provider_from_settings
from socialscore.scoring_model import ScoringModel

logger = Logger(service="rehydrate")
MESSAGE: TypeAdapter[Interaction | Identify] = TypeAdapter(Interaction | Identify)


@cache
def rehydrator() -> Rehydrator:
    return Rehydrator(PostCache(), provider_from_settings())


@cache
def next_queue() -> Queue:
    return Queue(settings.required("RESOLVE_QUEUE_URL"))


def handle(
    event: dict[str, Any], stage: Rehydrator, forward: Queue, model: ScoringModel
) -> dict[str, Any]:
    parsed, failed = sqs_batch.parse(event, MESSAGE)
    interactions = [(mid, m) for mid, m in parsed if isinstance(m, Interaction)]
    outgoing = [(mid, m.model_dump_json()) for mid, m in parsed if isinstance(m, Identify)]
    outcomes = stage.rehydrate([m for _, m in interactions], model)
    for (mid, message), outcome in zip(interactions, outcomes, strict=True):
        if isinstance(outcome, Dropped):
            logger.warning(
                "dropped",
                extra={"interaction_id": message.interaction_id, "reason": outcome.reason},
            )
        else:
            outgoing.append((mid, outcome.model_dump_json()))
    failed += forward.send(outgoing)
    return sqs_batch.partial_response(failed)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, rehydrator(), next_queue(), scoring_model.load())
