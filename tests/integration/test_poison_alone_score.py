"""Poison stays alone at the score stage: in a batch of ten, the message whose key is too long
fails at parse, and the one DynamoDB refuses (a seller id from the registry too long for a key,
an item over 400 KB) is found by splitting the batch, exactly once, while the other nine are
scored. See test_poison_alone for the other stages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialscore.domain.messages import Resolved, Seller
from tests.integration.support import ANA, Stack, resolved, sqs_event
from tests.integration.test_poison_alone import (
    POISON,
    failures,
    invoke,
    log_of,
    poison_logged,
)

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def likes() -> list[Resolved]:
    return [
        resolved(n, actor=f"u{n}", seller=ANA, contact=f"C-{n}", at=T + timedelta(minutes=n))
        for n in range(10)
    ]


def written(stack: Stack) -> tuple[set[str], dict[str, Any]]:
    """(interaction ids in the ledger, the scores table by key)."""
    ledger = {i["interaction_id"] for i in stack.scan("LedgerTable") if "interaction_id" in i}
    return ledger, stack.by_key("ScoresTable", "pk")


def seller_touches(scores: dict[str, Any]) -> int:
    return sum(
        int(v.get("organic_touches", 0)) for k, v in scores.items() if k.startswith("seller#s-ana")
    )


def test_score_fails_only_the_message_whose_post_key_is_too_long(stack: Stack) -> None:
    messages = likes()
    target = messages[POISON].target
    assert target is not None
    too_long = target.model_copy(update={"post_id": "1" * 1100})
    messages[POISON] = messages[POISON].model_copy(update={"target": too_long})

    with log_of(stack, "ScoreFunction") as log:
        answer, mids = invoke(stack, "ScoreFunction", "ScoreQueue", messages)

    assert answer == failures(mids[POISON])
    ledger, scores = written(stack)
    assert ledger == {f"iid-{n}" for n in range(10) if n != POISON}
    assert f"profile#x#u{POISON}#organic" not in scores
    assert seller_touches(scores) == 9
    poison_logged(log, mids[POISON], "post_id")


def refused_seller(message: Resolved) -> Resolved:
    """Credited to a seller id from the registry too long for the seller counters' key."""
    return message.model_copy(update={"seller": Seller(seller_id="s-" + "9" * 2100, team="smb")})


def refused_item(message: Resolved) -> Resolved:
    """Intent hits that make the ledger item larger than DynamoDB's 400 KB."""
    return message.model_copy(update={"intent_hits": ["pricing " + "x" * 1000] * 420})


@pytest.mark.parametrize("spoil", [refused_seller, refused_item], ids=["key", "item-size"])
def test_score_splits_a_refused_batch_down_to_the_message_at_fault_exactly_once(
    stack: Stack, spoil: Callable[[Resolved], Resolved]
) -> None:
    messages = likes()
    messages[POISON] = spoil(messages[POISON])
    event = sqs_event(messages, stack.queue_arn("ScoreQueue"))
    poison = event["Records"][POISON]["messageId"]

    with log_of(stack, "ScoreFunction") as log:
        assert stack.rt.invoke("ScoreFunction", event) == failures(poison)

    ledger, scores = written(stack)
    assert ledger == {f"iid-{n}" for n in range(10) if n != POISON}
    assert seller_touches(scores) == 9
    assert {k: v["touches"] for k, v in scores.items() if k.startswith("profile#")} == {
        f"profile#x#u{n}#organic": 1 for n in range(10) if n != POISON
    }
    [line] = [li for li in log if li["message"].startswith("will retry: refused by the store")]
    assert line["message_id"] == poison
    assert line["reason"].startswith("refused by the store: Validation")
    # Delivered again (SQS retries the failed one; a lost answer retries them all): no change.
    assert stack.rt.invoke("ScoreFunction", event) == failures(poison)
    assert written(stack) == (ledger, scores)


def test_a_message_the_ledger_refuses_reaches_the_dlq_alone(stack: Stack) -> None:
    messages = likes()
    messages[POISON] = refused_seller(messages[POISON])
    stack.send("ScoreQueue", messages)

    batches = 0
    while stack.poll("ScoreFunction"):
        batches += 1
        assert batches < 20

    ledger, scores = written(stack)
    assert ledger == {f"iid-{n}" for n in range(10) if n != POISON}
    assert seller_touches(scores) == 9
    [dead] = stack.take("ScoreDLQ")
    assert Resolved.model_validate_json(dead).interaction.interaction_id == f"iid-{POISON}"
