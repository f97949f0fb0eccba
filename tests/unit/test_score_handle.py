"""The score Lambda's own `handle` (functions/score, loaded as tests/unit/chain_world.py loads
every stage's) on an SQS event, with the score stage on the memory fakes
(tests/unit/score_world.py): a body that is no score message, or one whose post key is too long
for DynamoDB, fails alone (logged with its message id, the field and the key limit), and its
batch-mates are scored. Moved from tests/integration/test_score_handler.py and
test_poison_alone_score.py (the same events invoked on moto)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialscore.aws import batch
from socialscore.domain.aggregates import ProfileTotal, SellerCounter
from socialscore.domain.interaction import Category, Kind
from tests.integration.support import ANA, POST_B, resolved, sqs_event
from tests.unit.chain_world import clear_metrics, lambda_module
from tests.unit.score_world import MODEL, ScoreWorld
from tests.unit.test_poison_alone_rules import POISON, failures, poison_logged

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ScoreQueue"


def handle(w: ScoreWorld, event: dict[str, Any]) -> Any:
    try:
        return lambda_module("score").handle(event, w.scorer, MODEL, w.now)
    finally:
        clear_metrics()


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """What the score function logs meanwhile at any level (its service's logger, named by
    POWERTOOLS_SERVICE_NAME as the template sets it), each line as its attributes, on a queue
    whose maxReceiveCount is 5 (as template.yaml gives every consumer)."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "score")
    monkeypatch.setenv(batch.MAX_RECEIVE_COUNT, "5")
    lambda_module("score")  # its import makes the service's logger
    kept: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record.__dict__ | {"message": record.getMessage()})

    service, keep = logging.getLogger("score"), Keep()
    level = service.level
    service.setLevel(logging.DEBUG)
    service.addHandler(keep)
    try:
        yield kept
    finally:
        service.removeHandler(keep)
        service.setLevel(level)


def test_poison_message_is_reported_and_the_rest_is_scored() -> None:
    w = ScoreWorld()
    good = resolved(1, kind=Kind.SHARE, actor="u1", post=POST_B, at=T)
    event = sqs_event([good, '{"interaction": 1}'], QUEUE_ARN)

    answer = handle(w, event)

    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert len(w.entries()) == 1


def test_score_fails_only_the_message_whose_post_key_is_too_long(
    log: list[dict[str, Any]],
) -> None:
    w = ScoreWorld()
    messages = [
        resolved(n, actor=f"u{n}", seller=ANA, contact=f"C-{n}", at=T + timedelta(minutes=n))
        for n in range(10)
    ]
    target = messages[POISON].target
    assert target is not None
    too_long = target.model_copy(update={"post_id": "1" * 1100})
    messages[POISON] = messages[POISON].model_copy(update={"target": too_long})
    event = sqs_event(messages, QUEUE_ARN)
    mids = [r["messageId"] for r in event["Records"]]

    answer = handle(w, event)

    assert answer == failures(mids[POISON])
    assert set(w.entries()) == {f"iid-{n}" for n in range(10) if n != POISON}
    assert ProfileTotal(f"x#u{POISON}", Category.ORGANIC) not in w.scores.items
    seller = sum(
        int(v.get("organic_touches", 0))
        for k, v in w.scores.items.items()
        if isinstance(k, SellerCounter) and k.seller_id == "s-ana"
    )
    assert seller == 9
    poison_logged(log, mids[POISON], "post_id")
