"""The score Lambda's own `handle` (functions/score, loaded as tests/unit/chain_world.py loads
every stage's) on an SQS event, with the score stage on the memory fakes
(tests/unit/score_world.py): a body that is no score message fails alone, and its batch-mate is
scored. Moved from
tests/integration/test_score_handler.py (the same event invoked on moto)."""

from __future__ import annotations

from datetime import UTC, datetime

from socialscore.domain.interaction import Kind
from tests.integration.support import POST_B, resolved, sqs_event
from tests.unit.chain_world import clear_metrics, lambda_module
from tests.unit.score_world import MODEL, ScoreWorld

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ScoreQueue"


def test_poison_message_is_reported_and_the_rest_is_scored() -> None:
    w = ScoreWorld()
    good = resolved(1, kind=Kind.SHARE, actor="u1", post=POST_B, at=T)
    event = sqs_event([good, '{"interaction": 1}'], QUEUE_ARN)

    answer = lambda_module("score").handle(event, w.scorer, MODEL, w.now)
    clear_metrics()

    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert len(w.entries()) == 1
