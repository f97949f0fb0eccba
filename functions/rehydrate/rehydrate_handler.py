"""SQS rehydrate queue: permalinks -> post facts (cached), forwarded to the resolve queue.

Identify, retraction and post-deleted messages pass through (a post-deleted one purges the
post cache on the way). Interactions end as one of: forwarded; dropped with a logged, counted
reason; deferred (sent back to this queue with a delay, this delivery done); or failed (SQS
retries it, then moves it to the DLQ).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field, TypeAdapter

from socialscore.aws import batch, config, requeue
from socialscore.aws.sqs import Queue
from socialscore.domain import scoring_model
from socialscore.domain.interaction import Identify, Interaction, PostDeleted, Retraction
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.rehydration import (
    Deferred,
    Dropped,
    Failed,
    Rehydrated,
    Rehydrator,
    provider_from_settings,
)
from socialscore.providers.short_links import ShortLinks
from socialscore.store.post_cache import PostCache

logger = Logger(service="rehydrate")
MESSAGE: TypeAdapter[Interaction | Identify | Retraction | PostDeleted] = TypeAdapter(
    Annotated[Interaction | Identify | Retraction | PostDeleted, Field(discriminator="type")]
)
# A record rate-limited this often (about a day of 15-minute windows) goes the failure way,
# to the DLQ, where an operator sees it.
MAX_DEFERRALS = 96


@cache
def rehydrator() -> Rehydrator:
    provider = provider_from_settings()
    resolve = config.optional("SHORT_LINKS", "resolve") == "resolve"
    return Rehydrator(
        PostCache(),
        provider,
        short_links=ShortLinks() if resolve else None,
        coalesce=provider.max_ids_per_call is not None,
    )


@cache
def next_queue() -> Queue:
    return Queue(config.required("RESOLVE_QUEUE_URL"))


@cache
def own_queue() -> requeue.Requeue:
    return requeue.Requeue(config.required("REHYDRATE_QUEUE_URL"))


def handle(
    event: dict[str, Any],
    stage: Rehydrator,
    forward: Queue,
    model: ScoringModel,
    later: requeue.Requeue | None = None,
) -> dict[str, Any]:
    parsed, failed = batch.parse(event, MESSAGE)
    records = {r["messageId"]: r for r in event.get("Records", [])}
    interactions = [(mid, m) for mid, m in parsed if isinstance(m, Interaction)]
    outgoing = [(mid, m.model_dump_json()) for mid, m in parsed if not isinstance(m, Interaction)]
    deleted = [m.post for _, m in parsed if isinstance(m, PostDeleted)]
    if deleted:
        stage.forget(deleted)
    deferred = {mid: requeue.deferrals(records[mid]) for mid, _ in interactions}
    forced = {
        m.interaction_id
        for mid, m in interactions
        if deferred[mid]
        or int(records[mid].get("attributes", {}).get("ApproximateReceiveCount", 1)) > 1
    }
    before = Counter(stage.stats)
    outcomes = stage.rehydrate([m for _, m in interactions], model, forced)
    counts: Counter[str] = Counter()
    again: list[tuple[str, str, int, int]] = []
    for (mid, message), outcome in zip(interactions, outcomes, strict=True):
        if isinstance(outcome, Rehydrated):
            outgoing.append((mid, outcome.model_dump_json()))
            counts["forwarded"] += 1
        elif isinstance(outcome, Dropped):
            logger.warning(
                "dropped",
                extra={"interaction_id": message.interaction_id, "reason": outcome.reason},
            )
            counts[f"dropped.{outcome.reason}"] += 1
        elif isinstance(outcome, Deferred) and deferred[mid] < MAX_DEFERRALS:
            again.append((mid, records[mid]["body"], outcome.delay_seconds, deferred[mid] + 1))
            counts[f"deferred.{outcome.reason}"] += 1
        else:
            reason = outcome.reason if isinstance(outcome, Failed) else "deferred_too_often"
            failed.append(mid)
            counts[f"failed.{reason}"] += 1
    if again:
        failed += (later or own_queue()).send_later(again)
    failed += forward.send(outgoing)
    logger.info("rehydrated", extra={"outcomes": dict(counts), "posts": dict(stage.stats - before)})
    return batch.partial_response(failed)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, rehydrator(), next_queue(), scoring_model.load())
