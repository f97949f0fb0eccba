"""Poison stays alone at the score stage: in a batch of ten, the one DynamoDB refuses (a seller
id from the registry too long for a key) reaches the DLQ alone while the other nine are scored.
The message whose key is too long fails at parse, proven on the handler with the stage on fakes
(tests/unit/test_score_handle.py). The split down to the message at fault, for a key and an
item over 400 KB, is proven in memory (tests/unit/test_score_refusals.py), the memory ledger
refusing what DynamoDB refuses (test_ledger_contract). See test_poison_alone for the other
stages.
"""

from __future__ import annotations

from typing import Any

from socialscore.domain.messages import Resolved
from tests.integration.support import Stack
from tests.integration.test_poison_alone import POISON, log_of
from tests.unit.test_score_refusals import likes, refused_seller


def written(stack: Stack) -> tuple[set[str], dict[str, Any]]:
    """(interaction ids in the ledger, the scores table by key)."""
    ledger = {i["interaction_id"] for i in stack.scan("LedgerTable") if "interaction_id" in i}
    return ledger, stack.by_key("ScoresTable", "pk")


def seller_touches(scores: dict[str, Any]) -> int:
    return sum(
        int(v.get("organic_touches", 0)) for k, v in scores.items() if k.startswith("seller#s-ana")
    )


def test_a_message_the_ledger_refuses_reaches_the_dlq_alone(stack: Stack) -> None:
    messages = likes()
    messages[POISON] = refused_seller(messages[POISON])
    mids = stack.send("ScoreQueue", messages)

    batches = 0
    with log_of(stack, "ScoreFunction") as log:
        while stack.poll("ScoreFunction"):
            batches += 1
            assert batches < 20

    # Each delivery fails it alone, with DynamoDB's reason (the split is proven in memory).
    retried = [li for li in log if li["message"].startswith("will retry: refused by the store")]
    assert retried
    assert {li["message_id"] for li in retried} == {mids[POISON]}
    assert all(li["reason"].startswith("refused by the store: Validation") for li in retried)

    ledger, scores = written(stack)
    assert ledger == {f"iid-{n}" for n in range(10) if n != POISON}
    assert seller_touches(scores) == 9
    [dead] = stack.take("ScoreDLQ")
    assert Resolved.model_validate_json(dead).interaction.interaction_id == f"iid-{POISON}"
