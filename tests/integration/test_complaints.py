"""Complaints on the local runtime, from the signed webhook to the bus: one Complaint event per
act however often it is delivered and its batch retried, the ledger holding the phrases and
never the words. A crash between the event and its flag, and an erasure taking the flag, are
proven in memory: tests/unit/test_complaint_stage.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from socialscore.aws import clients
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.scoring_model import bundled
from tests.integration.support import POST_A, POSTS, SELLER_AUTHOR, Stack, permalink
from tests.integration.test_score_handler import capture_hot_leads

MODEL = bundled()
ACTOR = "4004"
COMPLAINT = "2100000000000000009"  # the actor's reply to POST_A
# It names a buying word too: a complaint earns no intent bonus.
COMPLAINT_TEXT = "@acme the export is still broken since Monday. Worst week, and pricing went up."
PHRASES = ["still broken", "worst"]
KEY = f"complaint#x#{ACTOR}"


@pytest.fixture
def demo_dir(demo_dir: Path) -> Path:
    """The integration world, with the complaining reply in the fixture provider's file."""
    posts = [
        *POSTS,
        {
            "network": "x",
            "post_id": COMPLAINT,
            "author_id": ACTOR,
            "created_at": "2026-11-18T10:00:00Z",
            "referenced_post_id": POST_A,
            "text": COMPLAINT_TEXT,
        },
    ]
    (demo_dir / "posts.json").write_text(json.dumps(posts))
    return demo_dir


def complaint(event_id: str = "evt-c1") -> dict[str, Any]:
    """The reply as an SMMS sends it (the same act under any event id)."""
    return {
        "type": "interaction",
        "id": event_id,
        "network": "x",
        "kind": "comment",
        "actor_id": ACTOR,
        "target_permalink": permalink(POST_A),
        "interaction_permalink": permalink(COMPLAINT),
        "tags": ["branded"],
        "occurred_at": "2026-11-18T10:00:00Z",
    }


@contextmanager
def failing(stack: Stack, when: str, times: int = 1) -> Iterator[list[int]]:
    """The score function's `when` hook (e.g. before-call.events.PutEvents) raises `times`
    times: its batch fails and SQS hands it back, as on AWS."""
    raised = [0]

    def fail(**_: Any) -> None:
        if stack.rt.current == "ScoreFunction" and raised[0] < times:
            raised[0] += 1
            raise ConnectionError(f"injected: {when}")

    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register(when, fail, unique_id="complaint-fault")
    clients.reset()  # new clients pick up the hook
    try:
        yield raised
    finally:
        boto3.DEFAULT_SESSION.events.unregister(when, unique_id="complaint-fault")
        clients.reset()


def complaints_on_the_bus(stack: Stack, captured: str) -> list[dict[str, Any]]:
    events = [json.loads(raw) for raw in stack.take(captured)]
    return [e for e in events if e["detail-type"] == "Complaint"]


def partition(stack: Stack) -> dict[str, dict[str, Any]]:
    return {i["touch"]: i for i in stack.scan("LedgerTable") if i["profile"] == f"x#{ACTOR}"}


def test_a_complaint_is_announced_once_however_often_it_is_delivered(stack: Stack) -> None:
    captured = capture_hot_leads(stack)  # every socialscore event on the default bus
    with failing(stack, "before-call.events.PutEvents") as raised:
        for event_id in ("evt-c1", "evt-c1", "evt-c2"):  # sent twice, then under another id
            assert stack.webhook([complaint(event_id)]).status == 202
        stack.rt.drain()
    assert raised == [1]  # the first score batch failed before the bus, and was retried

    (event,) = complaints_on_the_bus(stack, captured)
    assert event["source"] == "socialscore"
    detail = event["detail"]
    (key,) = [k for k in partition(stack) if not k.startswith("complaint#")]
    assert detail == {
        "id": f"{KEY}#{key}",
        "interaction_id": key.removeprefix("i#"),
        "network": "x",
        "kind": "comment",
        "profile": f"x#{ACTOR}",
        "contact_id": None,  # anonymous: the event tells anyway
        "post": f"x#{POST_A}",
        "seller_id": "s-ana",
        "team": "enterprise",
        "own_post": f"x#{COMPLAINT}",
        "permalink": f"https://x.com/i/web/status/{COMPLAINT}",
        "phrases": PHRASES,
        "occurred_at": "2026-11-18T10:00:00+00:00",
        "model_version": MODEL.version,
        # No CRM owner is known for an anonymous profile: the seller of its touches.
        "owner": {"type": "seller", "id": "s-ana"},
    }
    assert SELLER_AUTHOR not in json.dumps(detail)  # the seller by id, never an account

    # The act delivered again, and its score batch redelivered whole: nothing more to say.
    assert stack.webhook([complaint("evt-c3")]).status == 202
    stack.rt.drain()
    assert complaints_on_the_bus(stack, captured) == []
    assert stack.calls("ScoreFunction", "PutEvents") == 1


def test_the_ledger_keeps_the_phrases_not_the_words_and_no_intent_bonus(stack: Stack) -> None:
    assert stack.webhook([complaint()]).status == 202
    stack.rt.drain()

    held = partition(stack)
    (entry,) = [i for k, i in held.items() if not k.startswith("complaint#")]
    assert entry["complaint_hits"] == PHRASES
    assert entry["intent_hits"] == []  # "pricing" is in the words: no bonus for a complaint
    assert float(entry["weight"]) == MODEL.categories[Category.ORGANIC].weights[Kind.COMMENT]
    assert set(held) == {entry["touch"], f"complaint#{entry['touch']}"}  # the flag beside it
    everything = json.dumps(
        [stack.scan(t) for t in ("LedgerTable", "PostCacheTable", "ScoresTable")], default=str
    )
    assert "export" not in everything
    assert "Monday" not in everything
    cached = stack.by_key("PostCacheTable", "post")[f"x#{COMPLAINT}"]
    assert (cached["complaint_hits"], cached["intent_hits"]) == (PHRASES, [])
