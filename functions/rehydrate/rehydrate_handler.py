"""SQS rehydrate queue: permalinks -> post facts (on the source's word, from the cache or from
the provider), forwarded to the resolve queue.

Identify and post-deleted messages pass through (a post-deleted one purges the post cache on the
way). Interactions end as one of: forwarded; dropped with a logged, counted reason; deferred
(sent back to this queue with a delay, this delivery done); or failed (SQS retries it, then
moves it to the DLQ).

The cold start imports Powertools' Logger and Metrics and boto3; the messages' models, the
stage and its provider are imported on first use.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialscore.aws import batch, telemetry
from socialscore.aws.sqs import SqsQueue, deferrals, message_of, receive_count

if TYPE_CHECKING:
    from socialscore.aws.config import RehydrateConfig
    from socialscore.domain.scoring_model import ScoringModel
    from socialscore.pipeline.ports import MessageQueue
    from socialscore.pipeline.rehydration import Rehydrator

logger = Logger(service="rehydrate")
metrics = Metrics()
# A record rate-limited this often (about a day of 15-minute windows) goes the failure way,
# to the DLQ, where an operator sees it.
MAX_DEFERRALS = 96


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
    return SqsQueue(settings().resolve_queue_url), SqsQueue(settings().rehydrate_queue_url)


def handle(
    event: dict[str, Any],
    stage: Rehydrator,
    forward: MessageQueue,
    model: ScoringModel,
    later: MessageQueue,
) -> dict[str, Any]:
    from socialscore.domain.interaction import Interaction, PostDeleted
    from socialscore.domain.messages import REHYDRATE_MESSAGE, Rehydrated
    from socialscore.pipeline.outcomes import Deferred, Dropped, Failed

    parsed, failed = batch.parse(event, REHYDRATE_MESSAGE)
    records = {r["messageId"]: r for r in event.get("Records", [])}
    correlation = telemetry.correlation_ids(event)
    telemetry.tag_batch(logger, correlation)
    telemetry.count(metrics, "PoisonMessages", len(failed))
    interactions = [(mid, m) for mid, m in parsed if isinstance(m, Interaction)]
    outgoing = [(mid, m.model_dump_json()) for mid, m in parsed if not isinstance(m, Interaction)]
    deleted = [m.post for _, m in parsed if isinstance(m, PostDeleted)]
    if deleted:
        stage.forget(deleted)
    deferred = {mid: deferrals(records[message_of(mid)]) for mid, _ in interactions}
    forced = {
        m.interaction_id
        for mid, m in interactions
        if deferred[mid] or receive_count(records[message_of(mid)]) > 1
    }
    before = Counter(stage.stats)
    outcomes = stage.rehydrate([m for _, m in interactions], model, forced)
    counts: Counter[str] = Counter()
    again: list[tuple[str, str, int]] = []
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
            again.append((mid, message.model_dump_json(), outcome.delay_seconds))
            deferred[mid] += 1
            counts[f"deferred.{outcome.reason}"] += 1
        else:
            reason = outcome.reason if isinstance(outcome, Failed) else "deferred_too_often"
            details = {"interaction_id": message.interaction_id}
            failed[mid] = batch.Failure(reason, details)  # logged by batch.partial_response
            counts[f"failed.{reason}"] += 1
    if again:
        deferrals_of = {m: deferred[m] for m, _, _ in again}
        failed |= batch.unsent(later.send_later(again, deferrals_of, correlation), "rehydrate")
    failed |= batch.unsent(forward.send(outgoing, correlation), "resolve")
    posts = stage.stats - before
    logger.info("rehydrated", extra={"outcomes": dict(counts), "posts": dict(posts)})
    _report(counts, posts)
    return batch.partial_response(failed, event, later)


def _report(counts: Counter[str], posts: Counter[str]) -> None:
    telemetry.count(metrics, "InteractionsForwarded", counts["forwarded"])
    telemetry.count(metrics, "CacheHits", posts["cache_hits"])
    telemetry.count(metrics, "CacheMisses", posts["cache_misses"])
    telemetry.count(metrics, "ProviderLookups", posts["looked_up"])
    for outcome, metric in (
        ("dropped", "InteractionsDropped"),
        ("deferred", "InteractionsDeferred"),
        ("failed", "InteractionsFailed"),
    ):
        reasons = {k.split(".", 1)[1]: n for k, n in counts.items() if k.startswith(f"{outcome}.")}
        telemetry.count_by(metrics, metric, reasons, "reason")


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from socialscore.aws.config import scoring_model

    forward, later = queues()
    model = scoring_model(settings().scoring_model_parameter)
    return handle(event, rehydrator(), forward, model, later)
