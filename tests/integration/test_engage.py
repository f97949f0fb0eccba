"""The engage-now queue on the local runtime: GET /engage ranks the unanswered replies, quotes
and mentions of the last two days as the model's weights say, and an act leaves when it is
answered (an SMMS `answered` event, or the brand's or a seller's own reply), deleted or old."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialscore.domain.interaction import Kind, PostDeleted
from socialscore.domain.messages import Rehydrated, Resolved
from socialscore.domain.scoring_model import bundled
from tests.integration.support import (
    ANA,
    POST_A,
    SELLER_AUTHOR,
    Stack,
    interaction,
    permalink,
    resolved,
)
from tests.integration.test_score_handler import score

MODEL = bundled()
W = MODEL.engage.weights
NOW = datetime.now(UTC).replace(microsecond=0)
HOUR = timedelta(hours=1)


def reply(
    actor: str, n: int, hours_ago: float, kind: Kind = Kind.COMMENT, **extra: Any
) -> Resolved:
    """An organic act of `actor` with a post of its own (x#30000000000000000<n>) on Ana's post."""
    message = resolved(
        f"{actor}-{n}",
        kind=kind,
        actor=actor,
        post=POST_A,
        own_post=own(n),
        seller=ANA,
        at=NOW - hours_ago * HOUR,
        intent_hits=extra.pop("intent_hits", ()),
    )
    # As ingest gives it when it reads the act's link: its own post's key.
    act = message.interaction.model_copy(update={"own_post": f"x#{own(n)}"})
    return message.model_copy(update={"interaction": act, **extra})


def own(n: int) -> str:
    return f"3{n:018d}"


def queue(stack: Stack, limit: int = 25) -> dict[str, Any]:
    answer = stack.rt.request("GET", "/engage", query=f"limit={limit}")
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, Any] = answer.json()
    return body


def acts(stack: Stack) -> list[str]:
    return [e["act"] for e in queue(stack)["entries"]]


def test_the_queue_is_ranked_as_the_weights_say_with_the_reasons(stack: Stack) -> None:
    score(
        stack,
        [
            reply("u1", 1, 1, intent_hits=["pricing", "demo"]),  # 2 keywords
            reply("u2", 2, 1, complaint_hits=["worst"]),
            reply("u3", 3, 1, kind=Kind.QUOTE, actor_followers=99),  # a hundred followers
            reply("u4", 4, 13, kind=Kind.MENTION),  # older: less than half its rank left
            reply("u5", 5, 1, kind=Kind.SHARE),  # a retweet answers nothing: never queued
            reply("u6", 6, 49),  # expired (48 h)
        ],
    )
    body = queue(stack)
    entries = body["entries"]

    # u1: score 14 (a comment with intent) + 2 keywords; u2: score 4 + a complaint; u3: score
    # 6 (a quote) + reach; u4: score 3, thirteen hours old.
    assert [e["act"] for e in entries] == [f"x#{own(n)}" for n in (1, 2, 3, 4)]
    assert body["waiting"] == 4
    assert body["model_version"] == MODEL.version
    first = entries[0]
    assert first["permalink"] == f"https://x.com/i/web/status/{own(1)}"
    assert (first["profile"], first["seller_id"], first["answers_post"]) == (
        "x#u1",
        "s-ana",
        f"x#{POST_A}",
    )
    assert first["why"]["intent"] == 2 * W.intent
    assert first["intent_hits"] == ["pricing", "demo"]
    assert entries[1]["complaint_hits"] == ["worst"]
    assert entries[1]["why"]["complaint"] == W.complaint
    assert entries[2]["why"]["reach"] == pytest.approx(2 * W.reach)  # log10(100) = 2
    for e in entries:  # rank = the reasons' sum times recency; the score is the actor's own
        why = e["why"]
        parts = sum(v for k, v in why.items() if k != "recency")
        assert e["rank"] == pytest.approx(parts * why["recency"], abs=0.02)
        assert why["score"] > 0
        assert why["buckets"] == 0
    age = datetime.fromisoformat(body["as_of"]) - (NOW - 13 * HOUR)  # read after NOW
    assert entries[3]["why"]["recency"] == pytest.approx(2 ** (-age / HOUR / 12), abs=1e-3)
    expires = datetime.fromisoformat(entries[3]["expires_at"])
    assert expires == datetime.fromisoformat(entries[3]["occurred_at"]) + 48 * HOUR

    top_two = queue(stack, limit=2)["entries"]
    assert [e["act"] for e in top_two] == [e["act"] for e in entries[:2]]
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


def test_an_erased_person_s_acts_and_the_marks_of_their_posts_go(stack: Stack) -> None:
    score(stack, [reply("u1", 1, 1), reply("u2", 2, 1)])
    answered = {
        "type": "answered",
        "id": "evt-answer-1",
        "permalink": permalink(own(1)),
        "occurred_at": (NOW - 40 * 24 * HOUR).isoformat(),  # reported late: the mark still lasts
    }
    erase = {"type": "erase", "id": "evt-erase-1", "network": "x", "network_user_id": "u1"}
    assert stack.webhook([answered]).status == 202
    stack.rt.drain()
    (mark,) = [i for i in stack.scan("LedgerTable") if i["profile"].startswith("answered#")]
    assert mark["expires_at"] >= int((NOW + timedelta(days=31)).timestamp())
    assert acts(stack) == [f"x#{own(2)}"]

    assert stack.webhook([erase | {"occurred_at": NOW.isoformat()}]).status == 202
    stack.rt.drain()
    assert acts(stack) == [f"x#{own(2)}"]
    assert not [i for i in stack.scan("LedgerTable") if i["profile"].startswith("answered#")]


def test_a_deleted_act_leaves_and_a_seller_s_own_acts_are_never_in_it(stack: Stack) -> None:
    seller_reply = reply(SELLER_AUTHOR, 7, 1)  # Ana replying on her own thread: not to answer
    score(stack, [reply("u1", 1, 1), reply("u2", 2, 1), seller_reply])
    assert acts(stack) == [f"x#{own(1)}", f"x#{own(2)}"]  # a tie: by the act's post

    gone = PostDeleted(source="x", post=f"x#{own(2)}", occurred_at=NOW, sweep=2)
    score(stack, [gone])
    assert acts(stack) == [f"x#{own(1)}"]


def test_the_answered_event_needs_a_post_link_socialscore_can_read(stack: Stack) -> None:
    event = {
        "type": "answered",
        "id": "evt-answer-x",
        "permalink": "https://t.co/abc123",
        "occurred_at": NOW.isoformat(),
    }
    answer = stack.webhook([event])
    assert answer.status == 400
    assert [f["field"] for f in answer.json()["fields"]] == ["events.0.permalink"]
    assert "t.co" not in json.dumps(answer.json())  # the value is not echoed
