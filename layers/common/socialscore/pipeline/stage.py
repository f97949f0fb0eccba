"""The stage runner every queue handler (rehydrate, resolve, score) reads as: parse -> stage ->
partial response.

The event is read once (aws.batch.read): the stage gets its parsed messages, each with what its
delivery says, and returns what it did (`Done`: the messages that failed, with why, and what to
count). The runner publishes the counts, sends a pack's failed messages back alone to the
stage's own queue (so only a message that keeps failing reaches the DLQ, never its pack-mates)
and answers Lambda with the records that failed, each failed message logged once with its
reason at the level its delivery calls for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from socialscore.aws import batch, telemetry

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics
    from pydantic import TypeAdapter

    from socialscore.pipeline.ports import MessageQueue

T = TypeVar("T")
Stage = Callable[[list[batch.Received[T]]], batch.Done]


def run(
    event: dict[str, Any],
    adapter: TypeAdapter[T],
    stage: Stage[T],
    own_queue: MessageQueue | None,
    *,
    logger: Logger,
    metrics: Metrics,
) -> dict[str, Any]:
    """Lambda's partial batch answer to this SQS event, once `stage` has taken its messages;
    `own_queue` takes a pack's failed messages back, each alone (without it, the pack fails
    whole). `logger` and `metrics`: the handler's."""
    received = batch.read(event, adapter)
    telemetry.tag_batch(logger, received.correlation_ids())
    telemetry.count(metrics, "PoisonMessages", len(received.poison))
    done = stage(received.messages)
    for name, count in done.counts.items():
        telemetry.count(metrics, name, count)
    for name, reasons in done.reasons.items():
        telemetry.count_by(metrics, name, reasons, "reason")
    failed = received.poison | done.failed
    again = received.split(failed) if own_queue is not None else []
    resent: set[str] = set()
    if own_queue is not None and again:
        correlations = {mid: cid for mid, _, cid in again if cid}
        alone = [(mid, body, 0) for mid, body, _ in again]
        unsent = own_queue.send_later(alone, correlation_ids=correlations, packed=False)
        resent = {mid for mid, _, _ in again} - set(unsent)
    return received.answer(failed, resent)
