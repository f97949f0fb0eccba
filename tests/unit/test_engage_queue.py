"""The engage-now queue in memory, as GET /engage answers it (domain.engage.queue_json over
pipeline.engage.EngageReader, on the score stage's fakes: tests/unit/score_world.py): the
unanswered replies, quotes and mentions of the last two days ranked as the model's weights say,
and an act leaves when it is answered, its author erased, deleted or old. Moved from the moto
suite (tests/integration/test_engage.py keeps the endpoint, the `answered` event and a seller's
reply through the stages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialscore.domain.engage import queue_json
from socialscore.domain.interaction import Answered, Erase, Kind, PostDeleted
from socialscore.domain.messages import Resolved
from tests.integration.support import ANA, POST_A, SELLER_AUTHOR, resolved
from tests.unit.score_world import MODEL, ScoreWorld

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


def queue(w: ScoreWorld, limit: int = 25) -> dict[str, Any]:
    """The endpoint's body (functions/engage: the reader's queue as queue_json gives it)."""
    return queue_json(w.reader().queue(MODEL, w.now, limit), MODEL, w.now)


def acts(w: ScoreWorld) -> list[str]:
    return [e["act"] for e in queue(w)["entries"]]


def test_the_queue_is_ranked_as_the_weights_say_with_the_reasons() -> None:
    w = ScoreWorld(now=NOW)
    w.score(
        [
            reply("u1", 1, 1, intent_hits=["pricing", "demo"]),  # 2 keywords
            reply("u2", 2, 1, complaint_hits=["worst"]),
            reply("u3", 3, 1, kind=Kind.QUOTE, actor_followers=99),  # a hundred followers
            reply("u4", 4, 13, kind=Kind.MENTION),  # older: less than half its rank left
            reply("u5", 5, 1, kind=Kind.SHARE),  # a retweet answers nothing: never queued
            reply("u6", 6, 49),  # expired (48 h)
        ],
    )
    body = queue(w)
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
    age = datetime.fromisoformat(body["as_of"]) - (NOW - 13 * HOUR)
    assert entries[3]["why"]["recency"] == pytest.approx(2 ** (-age / HOUR / 12), abs=1e-3)
    expires = datetime.fromisoformat(entries[3]["expires_at"])
    assert expires == datetime.fromisoformat(entries[3]["occurred_at"]) + 48 * HOUR

    top_two = queue(w, limit=2)["entries"]
    assert [e["act"] for e in top_two] == [e["act"] for e in entries[:2]]


def test_an_erased_person_s_acts_and_the_marks_of_their_posts_go() -> None:
    w = ScoreWorld(now=NOW)
    w.score([reply("u1", 1, 1), reply("u2", 2, 1)])
    answered = Answered(
        event_id="evt-answer-1",
        source="smms",
        post=f"x#{own(1)}",
        occurred_at=NOW - 40 * 24 * HOUR,  # reported late: the mark still lasts
    )
    w.score([answered])
    (mark,) = [i for i in w.ledger.items.values() if i["profile"].startswith("answered#")]
    assert mark["expires_at"] >= int((NOW + timedelta(days=31)).timestamp())
    assert acts(w) == [f"x#{own(2)}"]

    w.score([Erase(event_id="evt-erase-1", source="smms", identity="x#u1", occurred_at=NOW)])
    assert acts(w) == [f"x#{own(2)}"]
    assert not [i for i in w.ledger.items.values() if i["profile"].startswith("answered#")]


def test_a_deleted_act_leaves_and_a_seller_s_own_acts_are_never_in_it() -> None:
    w = ScoreWorld(now=NOW)
    seller_reply = reply(SELLER_AUTHOR, 7, 1)  # Ana replying on her own thread: not to answer
    w.score([reply("u1", 1, 1), reply("u2", 2, 1), seller_reply])
    assert acts(w) == [f"x#{own(1)}", f"x#{own(2)}"]  # a tie: by the act's post

    gone = PostDeleted(source="x", post=f"x#{own(2)}", occurred_at=NOW, sweep=2)
    w.score([gone])
    assert acts(w) == [f"x#{own(1)}"]
