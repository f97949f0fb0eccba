"""What SQS or the X API would refuse is a 400 at ingest naming the field, and nothing queued:
on AWS a message SQS refuses fails its send on every retry of the whole request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.sources.base import Answer
from tests.unit.test_ingest import (
    POST,
    X_SECRET,
    RecordingQueue,
    body_of,
    event,
    every_source,
    identify,
    receive,
)

# What SendMessage takes, per the SQS API reference: #x9 | #xA | #xD | #x20-#xD7FF |
# #xE000-#xFFFD | #x10000-#x10FFFF.
SQS_CARRIES = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
REFUSED = ["\ufffe", "\uffff", "\x00", "\x08", "\x1b"]


def erase(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "erase",
        "id": "era-1",
        "contact_id": "003ABC",
        "occurred_at": "2026-03-01T11:00:00Z",
        **overrides,
    }


OWN = "https://x.com/someone/status/1790000000000000002"
# Every string of the SMMS contract that reaches a message (or names one: the event id).
FIELDS = [
    ("events.0.id", lambda c: event(1, id=f"evt{c}")),
    ("events.0.tags.0", lambda c: event(1, tags=[f"vip{c}"])),
    ("events.0.actor_id", lambda c: event(1, actor_id=f"user{c}")),
    ("events.0.target_permalink", lambda c: event(1, target_permalink=f"{POST}?s={c}")),
    (
        "events.0.interaction_permalink",
        lambda c: event(1, kind="comment", interaction_permalink=f"{OWN}#{c}"),
    ),
    ("events.0.target_author_id", lambda c: event(1, target_author_id=f"9{c}")),
    ("events.0.contact_id", lambda c: identify(contact_id=f"003{c}")),
    ("events.0.network_user_id", lambda c: identify(network_user_id=f"u{c}")),
    ("events.0.id", lambda c: erase(id=f"era{c}")),
    ("events.0.contact_id", lambda c: erase(contact_id=f"003{c}")),
]


def refused_fields(answer: Answer) -> list[str]:
    assert answer.status == 400, answer.body
    assert isinstance(answer.body, dict)
    return [f["field"] for f in answer.body["fields"]]


@pytest.mark.parametrize("char", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize(
    ("field", "build"), FIELDS, ids=[f"{n}-{f}" for n, (f, _) in enumerate(FIELDS)]
)
def test_a_character_sqs_refuses_is_a_400_naming_the_field(
    field: str, build: Callable[[str], dict[str, Any]], char: str
) -> None:
    queue = RecordingQueue()
    assert field in refused_fields(receive(queue, body_of(build(char))))
    assert queue.sends == []


def test_a_refused_character_sent_as_raw_utf8_is_a_400_too() -> None:
    queue = RecordingQueue()
    body = json.dumps({"events": [event(1, tags=["vip\uffff"])]}, ensure_ascii=False).encode()
    assert "events.0.tags.0" in refused_fields(receive(queue, body))
    assert queue.sends == []


def test_a_lone_surrogate_is_a_400_and_queues_nothing() -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(event(1, tags=["vip\ud800"])))  # JSON escapes it: \ud800
    assert answer.status == 400
    assert queue.sends == []


def test_tabs_line_breaks_and_characters_beyond_the_bmp_are_carried() -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(event(1, id="evt\t\U0001f680", tags=["fusée 🚀"])))
    assert answer.status == 202, answer.body
    [(_, body)] = queue.messages
    assert json.loads(body)["tags"] == ["fusée 🚀"]


@settings(max_examples=300, deadline=None)
@given(tag=st.text(max_size=12), event_id=st.text(min_size=1, max_size=12))
def test_what_ingest_queues_is_always_what_sqs_carries(tag: str, event_id: str) -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(event(1, id=event_id, tags=[tag]), identify(id=event_id)))
    if answer.status == 400:
        assert set(refused_fields(answer)) <= {"events.0.tags.0", "events.0.id", "events.1.id"}
        assert queue.sends == []
    else:
        assert answer.status == 202
        assert all(SQS_CARRIES.fullmatch(body) for _, body in queue.messages)


# --- X ids the X API would refuse ----------------------------------------------------------


def x_answer(activity: dict[str, Any]) -> tuple[Answer, RecordingQueue]:
    queue = RecordingQueue()
    body = json.dumps(activity).encode()
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}
    return every_source(queue, queue).receive("POST", "x", headers, {}, body), queue


def favorite(post: str | int, user: str | int = "42", account: str = "7") -> dict[str, Any]:
    return {
        "for_user_id": account,
        "favorite_events": [
            {
                "timestamp_ms": "1772366340000",
                "favorited_status": {"id_str": post, "user": {"id_str": account}},
                "user": {"id": user},
            }
        ],
    }


def test_an_x_id_of_19_digits_is_accepted() -> None:
    answer, queue = x_answer(favorite("9" * 19, user=int("9" * 19)))
    assert answer.status == 200, answer.body
    assert len(queue.messages) == 1


@pytest.mark.parametrize(
    ("activity", "field"),
    [
        (favorite("1" * 20), "favorite_events.0.favorited_status.id_str"),
        (favorite("1", user=10**19), "favorite_events.0.user.id"),  # a JSON number, 20 digits
        (favorite("1", account="1" * 20), "for_user_id"),
        (favorite("١٢٣"), "favorite_events.0.favorited_status.id_str"),  # digits, not ASCII
    ],
    ids=["post", "user-as-number", "account", "arabic-indic-digits"],
)
def test_an_x_id_the_x_api_would_refuse_is_a_400_naming_the_field(
    activity: dict[str, Any], field: str
) -> None:
    answer, queue = x_answer(activity)
    assert field in refused_fields(answer)
    assert queue.sends == []
