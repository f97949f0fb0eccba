"""Poison stays alone at the score stage, in memory (tests/unit/score_world.py, through the
score Lambda's own `handle`, its log read): in a batch of ten, the message the store refuses (a
seller id from the registry too long for a key, an item over 400 KB: the memory ledger refuses
what DynamoDB refuses, tests/integration/test_ledger_contract.py) is found by splitting the
batch, failed alone with the store's reason logged once, while the other nine are scored;
delivered again, nothing changes. Moved from the moto suite (tests/integration/
test_poison_alone_score.py keeps the refused message's way to the DLQ with its log lines)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialscore.domain.aggregates import ProfileTotal, SellerCounter
from socialscore.domain.interaction import Category
from socialscore.domain.messages import Resolved, Seller
from tests.integration.support import ANA, resolved, sqs_event
from tests.unit.score_world import ScoreWorld
from tests.unit.test_poison_alone_rules import failures
from tests.unit.test_score_handle import QUEUE_ARN, handle
from tests.unit.test_score_handle import log as log  # the score service's lines (a fixture)

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
POISON = 4  # the batch position of the poison message


def likes() -> list[Resolved]:
    return [
        resolved(n, actor=f"u{n}", seller=ANA, contact=f"C-{n}", at=T + timedelta(minutes=n))
        for n in range(10)
    ]


def refused_seller(message: Resolved) -> Resolved:
    """Credited to a seller id from the registry too long for the seller counters' key."""
    return message.model_copy(update={"seller": Seller(seller_id="s-" + "9" * 2100, team="smb")})


def refused_item(message: Resolved) -> Resolved:
    """Intent hits that make the ledger item larger than DynamoDB's 400 KB."""
    return message.model_copy(update={"intent_hits": ["pricing " + "x" * 1000] * 420})


def written(w: ScoreWorld) -> tuple[set[str], dict[Any, dict[str, Any]]]:
    """(interaction ids in the ledger, the score items by key)."""
    return set(w.entries()), {k: dict(v) for k, v in w.scores.items.items()}


def seller_touches(w: ScoreWorld) -> int:
    return sum(
        int(item.get("organic_touches", 0))
        for key, item in w.scores.items.items()
        if isinstance(key, SellerCounter) and key.seller_id == "s-ana"
    )


@pytest.mark.parametrize("spoil", [refused_seller, refused_item], ids=["key", "item-size"])
def test_score_splits_a_refused_batch_down_to_the_message_at_fault_exactly_once(
    spoil: Callable[[Resolved], Resolved], log: list[dict[str, Any]]
) -> None:
    w = ScoreWorld()
    messages = likes()
    messages[POISON] = spoil(messages[POISON])
    event = sqs_event(messages, QUEUE_ARN)
    poison = event["Records"][POISON]["messageId"]

    assert handle(w, event) == failures(poison)

    # Found once by the split: one line, naming the message and DynamoDB's reason.
    [line] = [li for li in log if li["message"].startswith("will retry: refused by the store")]
    assert line["message_id"] == poison
    assert line["reason"].startswith("refused by the store: Validation")
    ledger, scores = written(w)
    assert ledger == {f"iid-{n}" for n in range(10) if n != POISON}
    assert seller_touches(w) == 9
    assert {k.profile: v["touches"] for k, v in scores.items() if isinstance(k, ProfileTotal)} == {
        f"x#u{n}": 1 for n in range(10) if n != POISON
    }
    assert all(k.category is Category.ORGANIC for k in scores if isinstance(k, ProfileTotal))
    # Delivered again (SQS retries the failed one; a lost answer retries them all): no change.
    assert handle(w, event) == failures(poison)
    assert written(w) == (ledger, scores)
