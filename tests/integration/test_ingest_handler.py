"""ingest through the local runtime's HTTP API: verify, validate, normalise, queue on moto SQS."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from socialscore.domain.interaction import Identify, Interaction
from socialscore.sources.signatures import sign
from socialscore_local import webhooks
from tests.integration.support import POST_A, POST_B, REPLY, REPLY_TEXT, Stack, permalink

MESSAGE: TypeAdapter[Interaction | Identify] = TypeAdapter(Interaction | Identify)
ACTOR_HANDLE = "@jane_cio_acme"
AUTHOR_HANDLE = "@acmeinsights"


def like(n: int, **overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "interaction",
        "id": f"evt-like-{n}",
        "network": "x",
        "kind": "like",
        "actor_id": f"70{n}",
        "target_permalink": permalink(POST_A),
        "tags": ["Branded"],
        "occurred_at": "2026-11-22T07:59:00Z",
    }
    return event | overrides


def chatty_comment() -> dict[str, Any]:
    """A comment as an SMMS sends it: with the post's text and both handles."""
    return {
        "type": "interaction",
        "id": "evt-comment-1",
        "network": "x",
        "kind": "comment",
        "actor_id": "7001",
        "actor_handle": ACTOR_HANDLE,
        "actor_name": "Jane Doe",
        "author_handle": AUTHOR_HANDLE,
        "target_permalink": permalink(POST_B),
        "interaction_permalink": permalink(REPLY),
        "text": REPLY_TEXT,
        "target_text": "Five questions for CIOs.",
        "tags": ["branded"],
        "occurred_at": "2026-11-22T08:00:00+01:00",
    }


def identify_event() -> dict[str, Any]:
    return {
        "type": "identify",
        "id": "evt-identify-1",
        "network": "x",
        "network_user_id": "7001",
        "screen_name": ACTOR_HANDLE,
        "contact_id": "C-1",
        "consent_basis": "opt_in",
        "occurred_at": "2026-11-22T07:00:00Z",
    }


def test_signed_webhook_queues_its_events_in_one_pack_without_content(stack: Stack) -> None:
    events = [like(1), like(2), chatty_comment(), identify_event(), like(1)]  # like(1) twice

    answer = stack.webhook(events)

    assert answer.status == 202, answer.body
    assert answer.json() == {"accepted": 4}
    assert stack.rt.depth("RehydrateQueue") == 1  # one SQS message: the webhook's pack
    bodies = stack.take("RehydrateQueue")
    assert len(bodies) == 4
    for raw in bodies:
        for secret_text in (REPLY_TEXT, "Five questions", ACTOR_HANDLE, AUTHOR_HANDLE, "jane"):
            assert secret_text.lower() not in raw.lower()
        assert "text" not in json.loads(raw)
    messages = [MESSAGE.validate_json(b) for b in bodies]
    interactions = {m.actor_id: m for m in messages if isinstance(m, Interaction)}
    (identify,) = [m for m in messages if isinstance(m, Identify)]
    assert set(interactions) == {"701", "702", "7001"}
    comment = interactions["7001"]
    assert comment.kind == "comment"
    assert (comment.target_post, comment.own_post) == (f"x#{POST_B}", f"x#{REPLY}")
    assert comment.target_permalink is None  # handles stay out of the queues
    assert comment.interaction_permalink is None
    assert comment.occurred_at == datetime(2026, 11, 22, 7, 0, tzinfo=UTC)  # same instant, UTC
    assert interactions["701"].tags == ["branded"]
    assert interactions["701"].interaction_id != interactions["702"].interaction_id
    assert identify.contact_id == "C-1"
    assert identify.consent_basis == "opt_in"


def test_the_smms_word_on_whose_post_it_is_travels_to_rehydrate(stack: Stack) -> None:
    facts = {"target_author_id": "1001", "target_created_at": "2026-10-01T16:00:00+02:00"}
    assert stack.webhook([like(1, **facts)]).status == 202

    [raw] = stack.take("RehydrateQueue")
    queued = MESSAGE.validate_json(raw)
    assert isinstance(queued, Interaction)
    assert queued.target_author_id == "1001"
    assert queued.target_created_at == datetime(2026, 10, 1, 14, 0, tzinfo=UTC)


def test_the_same_webhook_sent_twice_queues_the_same_interaction_ids(stack: Stack) -> None:
    assert stack.webhook([like(1), chatty_comment()]).status == 202
    first = sorted(MESSAGE.validate_json(b).interaction_id for b in stack.take("RehydrateQueue"))
    assert stack.webhook([like(1), chatty_comment()]).status == 202
    again = sorted(MESSAGE.validate_json(b).interaction_id for b in stack.take("RehydrateQueue"))

    assert first == again


def test_bad_signature_is_401_and_queues_nothing(stack: Stack) -> None:
    answer = stack.webhook([like(1)], secret=webhooks.new_secret())

    assert answer.status == 401
    assert "signature" in answer.json()["error"]
    assert stack.rt.depth("RehydrateQueue") == 0


def test_tampered_body_is_401(stack: Stack) -> None:
    payload = json.dumps({"events": [like(1)]}).encode()
    headers = webhooks.signed(stack.secret, payload)

    answer = stack.rt.request("POST", "/webhooks/smms", headers, payload.replace(b"701", b"799"))

    assert answer.status == 401
    assert stack.rt.depth("RehydrateQueue") == 0


def test_stale_timestamp_is_401(stack: Stack) -> None:
    payload = json.dumps({"events": [like(1)]}).encode()
    stale = int(time.time()) - 10 * 60
    headers = {
        "content-type": "application/json",
        "webhook-id": "msg_stale",
        "webhook-timestamp": str(stale),
        "webhook-signature": sign(stack.secret, "msg_stale", stale, payload),
    }

    answer = stack.rt.request("POST", "/webhooks/smms", headers, payload)

    assert answer.status == 401
    assert "tolerance" in answer.json()["error"]
    assert stack.rt.depth("RehydrateQueue") == 0


def test_missing_signature_headers_is_401(stack: Stack) -> None:
    payload = json.dumps({"events": [like(1)]}).encode()

    answer = stack.rt.request(
        "POST", "/webhooks/smms", {"content-type": "application/json"}, payload
    )

    assert answer.status == 401
    assert stack.rt.depth("RehydrateQueue") == 0


@pytest.mark.parametrize(
    ("events", "field"),
    [
        pytest.param([like(1), like(2, actor_id=None)], "events.1.actor_id", id="missing-actor"),
        pytest.param([like(1, kind="poke")], "events.0.kind", id="unknown-kind"),
        pytest.param(
            [like(1, occurred_at="2026-11-22T08:00:00")], "events.0.occurred_at", id="naive-time"
        ),
        pytest.param(
            [like(1, target_permalink="not a url")], "events.0.target_permalink", id="url"
        ),
        pytest.param([], "events", id="no-events"),
        # Characters SQS refuses: on AWS the send would fail on every retry.
        pytest.param([like(1, tags=["vip\uffff"])], "events.0.tags.0", id="tag-U+FFFF"),
        pytest.param([like(1, id="evt-\ufffe")], "events.0.id", id="event-id-U+FFFE"),
        pytest.param(
            [like(1, target_permalink=permalink(POST_A) + "?s=\ufffe")],
            "events.0.target_permalink",
            id="permalink-U+FFFE",
        ),
        pytest.param(
            [identify_event() | {"contact_id": "C-\x00"}], "events.0.contact_id", id="contact-NUL"
        ),
    ],
)
def test_invalid_event_is_400_naming_the_field(
    stack: Stack, events: list[dict[str, Any]], field: str
) -> None:
    cleaned = [{k: v for k, v in e.items() if v is not None} for e in events]

    answer = stack.webhook(cleaned)

    assert answer.status == 400, answer.body
    assert field in [f["field"] for f in answer.json()["fields"]]
    assert stack.rt.depth("RehydrateQueue") == 0


def test_body_that_is_not_json_is_400(stack: Stack) -> None:
    answer = stack.webhook(raw=b"{not json")

    assert answer.status == 400
    assert stack.rt.depth("RehydrateQueue") == 0


def test_body_over_max_body_bytes_is_413_and_at_the_limit_is_accepted(stack: Stack) -> None:
    limit = int(os.environ["MAX_BODY_BYTES"])  # from template.yaml's MaxBodyBytes default
    assert limit == 262144

    def padded(size: int) -> bytes:
        base = json.dumps({"events": [like(1)], "padding": ""}).encode()
        return base.replace(b'"padding": ""', b'"padding": "' + b"x" * (size - len(base)) + b'"')

    over = stack.webhook(raw=padded(limit + 1))
    assert over.status == 413
    assert stack.rt.depth("RehydrateQueue") == 0

    at_limit = padded(limit)
    assert len(at_limit) == limit
    assert stack.webhook(raw=at_limit).status == 202
    assert stack.rt.depth("RehydrateQueue") == 1


def test_unknown_source_is_404_and_queues_nothing(stack: Stack) -> None:
    answer = stack.webhook([like(1)], source="hootsuite")

    assert answer.status == 404
    assert "hootsuite" in answer.json()["error"]
    assert stack.rt.depth("RehydrateQueue") == 0


def test_both_secrets_of_a_rotation_sign_successfully(stack: Stack) -> None:
    old, new = webhooks.new_secret(), webhooks.new_secret()
    secrets = stack.rt.client("secretsmanager")
    secrets.put_secret_value(
        SecretId=stack.rt.physical["WebhookSecrets"]["Ref"],
        SecretString=json.dumps({"smms": [old, new]}),
    )

    assert stack.webhook([like(1)], secret=old).status == 202
    assert stack.webhook([like(2)], secret=new).status == 202
    assert stack.webhook([like(3)], secret=stack.secret).status == 401  # replaced, not live
    assert stack.rt.depth("RehydrateQueue") == 2
