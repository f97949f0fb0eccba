"""The engage-now queue on the local runtime: GET /engage and its limit, and an act leaving when
it is answered (an SMMS `answered` event, or the brand's or a seller's own reply), through the
stages. How the queue ranks, and how an act leaves when deleted, erased or old, is proven in
memory: tests/unit/test_engage_queue.py; an `answered` event's link refused at ingest:
tests/unit/test_answered_events.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from socialscore.domain.interaction import Kind
from socialscore.domain.messages import Rehydrated
from tests.integration.support import (
    SELLER_AUTHOR,
    Stack,
    interaction,
    permalink,
)
from tests.integration.test_score_handler import score
from tests.unit.test_engage_queue import NOW, own, reply


def queue(stack: Stack, limit: int = 25) -> dict[str, Any]:
    answer = stack.rt.request("GET", "/engage", query=f"limit={limit}")
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, Any] = answer.json()
    return body


def acts(stack: Stack) -> list[str]:
    return [e["act"] for e in queue(stack)["entries"]]


def test_the_limit_is_a_whole_number_from_1_to_100(stack: Stack) -> None:
    score(stack, [reply("u1", 1, 1), reply("u2", 2, 1), reply("u3", 3, 1)])
    assert len(queue(stack, limit=2)["entries"]) == 2
    for bad in ("0", "101", "ten", "%C2%B2"):  # "²" is a digit to str.isdigit(), not to int()
        answer = stack.rt.request("GET", "/engage", query=f"limit={bad}")
        assert answer.status == 400
        assert answer.json()["fields"][0]["field"] == "limit"


def test_an_answered_act_leaves_whoever_answered_and_in_any_order(stack: Stack) -> None:
    score(stack, [reply("u1", 1, 2), reply("u2", 2, 2), reply("u3", 3, 2)])
    assert len(acts(stack)) == 3

    # The SMMS says someone on the team answered act 1.
    answered = {
        "type": "answered",
        "id": "evt-answer-1",
        "permalink": permalink(own(1)),
        "occurred_at": NOW.isoformat(),
    }
    assert stack.webhook([answered]).status == 202
    # Ana (a registered seller) replies to act 2 herself, seen through the network's webhook.
    ana = interaction("ana-2", kind=Kind.COMMENT, actor=SELLER_AUTHOR, post=None, at=NOW)
    ana = ana.model_copy(update={"target_post": f"x#{own(2)}"})
    stack.send("ResolveQueue", [Rehydrated(interaction=ana)])
    stack.rt.drain()
    assert acts(stack) == [f"x#{own(3)}"]
    # A mark keeps a post key and a time, and goes a month later (the ledger table's TTL).
    (mark,) = [i for i in stack.scan("LedgerTable") if i["profile"] == f"answered#x#{own(1)}"]
    assert set(mark) == {"profile", "touch", "answered_at", "expires_at"}
    month = int((NOW + timedelta(days=31)).timestamp())
    assert month <= mark["expires_at"] <= month + 600  # from the answer, or from its scoring

    # An answer seen before the act it answers (the SMMS was faster) still counts.
    early = answered | {"id": "evt-answer-4", "permalink": permalink(own(4))}
    assert stack.webhook([early]).status == 202
    stack.rt.drain()
    score(stack, [reply("u4", 4, 1)])
    assert acts(stack) == [f"x#{own(3)}"]
