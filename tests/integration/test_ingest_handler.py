"""ingest through the local runtime's HTTP API: a signed webhook's events in one pack on moto SQS
without content, the body limit as the template sets it, both secrets of a rotation read from
Secrets Manager. The front door's rules (signatures, refusals naming the field, replays,
unknown sources) are proven in memory: tests/unit/test_ingest*.py."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter

from socialscore.domain.interaction import Identify, Interaction
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
