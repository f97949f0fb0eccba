"""The front door on the local runtime (moto): every refusal is logged with its reason (never the
input) in the ingest log group, serve takes the X, Meta and LinkedIn secrets the way it takes
the SMMS one, SQS or the delivery log not answering is a 503 logged at ERROR, and refusals and
ignored events (a replay's included) reach CloudWatch by source and reason. Without those
network secrets X, Meta and LinkedIn answer 401 and 403: in memory,
tests/unit/test_front_door_network_secrets.py. A replayed
webhook-id acknowledged and queued once, another body under it refused: in memory,
tests/unit/test_ingest_front_door.py; the replay memory's contract, for the fake and the
table: test_store_contracts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from socialscore.sources.signatures import sign
from socialscore_local import webhooks
from tests.integration.support import POST_A, Stack, permalink

NOW = 1_800_000_000
X_SECRET = "serve-x-consumer-secret"
META_SECRET = "serve-meta-app-secret"
VERIFY_TOKEN = "serve-verify-token"
LINKEDIN_SECRET = "serve-linkedin-client-secret"
LINKEDIN_BODY = b'{"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}'
CHALLENGE_CODE = "890e4fa2-8f4f-4a9e-8a4b-3f2d1c0b9a87"  # a UUID v4, as LinkedIn sends


def like(n: int) -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": f"evt-{n}",
        "network": "x",
        "kind": "like",
        "actor_id": f"70{n}",
        "target_permalink": permalink(POST_A),
        "occurred_at": "2026-11-22T07:59:00Z",
    }


def smms(stack: Stack, payload: dict[str, Any], msg_id: str) -> Any:
    body = json.dumps(payload).encode()
    stamp = int(time.time())
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(stack.secret, msg_id, stamp, body),
    }
    return stack.rt.request("POST", "/webhooks/smms", headers, body)


def test_every_refusal_is_logged_with_its_reason_and_never_the_input(
    start_stack: Callable[..., AbstractContextManager[Stack]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret_text = "evt-SECRET-TEXT-9"
    payload = {"events": [like(1) | {"id": secret_text, "kind": "poke"}]}
    body = json.dumps(payload).encode()
    with start_stack(POWERTOOLS_LOG_LEVEL="WARNING") as stack:
        headers = webhooks.signed(stack.secret, body)
        assert stack.rt.request("POST", "/webhooks/smms", headers, body).status == 400
        forged = headers | {"webhook-signature": "v1,c2lnbmF0dXJl", "webhook-id": "msg_forged"}
        assert stack.rt.request("POST", "/webhooks/smms", forged, body).status == 401
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    refused = [line for line in lines if line["message"] == "webhook refused"]
    assert [(line["level"], line["reason"]) for line in refused] == [
        ("WARNING", "invalid_body"),
        ("WARNING", "bad_signature"),
    ]
    for value in (secret_text, "c2lnbmF0dXJl", "msg_forged", stack.secret):
        assert value not in out


# --- serve's X and Meta secrets ---------------------------------------------------------------
def x_signature(body: bytes) -> str:
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


SENDS: dict[str, Callable[[Stack], int]] = {
    "x": lambda s: (
        s.rt.request(
            "POST",
            "/webhooks/x",
            {"x-twitter-webhooks-signature": x_signature(b'{"for_user_id": "7"}')},
            b'{"for_user_id": "7"}',
        ).status
    ),
    "meta-verify": lambda s: (
        s.rt.request(
            "GET",
            "/webhooks/meta",
            query=f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=42",
        ).status
    ),
    "linkedin": lambda s: (
        s.rt.request(
            "POST",
            "/webhooks/linkedin",
            {"x-li-signature": linkedin_signature(LINKEDIN_BODY)},
            LINKEDIN_BODY,
        ).status
    ),
    "linkedin-validate": lambda s: (
        s.rt.request("GET", "/webhooks/linkedin", query=f"challengeCode={CHALLENGE_CODE}").status
    ),
    "smms": lambda s: smms(s, {"events": [like(1)]}, "msg_s").status,
}


def linkedin_signature(body: bytes) -> str:
    # https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation: the hex
    # HMAC-SHA256 of "hmacsha256=" and the body, under the app's client secret.
    return hmac.new(LINKEDIN_SECRET.encode(), b"hmacsha256=" + body, hashlib.sha256).hexdigest()


def test_serve_takes_the_x_meta_and_linkedin_secrets_beside_the_smms_one(stack: Stack) -> None:
    # Each source on one stack (a stack each cost five starts): no send reads what another
    # wrote (its own endpoint, its own webhook-id), and every answer is shown when one fails.
    given = webhooks.NetworkSecrets(X_SECRET, None, META_SECRET, VERIFY_TOKEN, LINKEDIN_SECRET)
    lines = webhooks.set_network_secrets(stack.rt, given)  # as serve does, before it listens
    assert len(lines) == 4
    answers = {name: send(stack) for name, send in SENDS.items()}
    assert {name: a for name, a in answers.items() if a not in (200, 202)} == {}


# --- SQS or the delivery log not answering ----------------------------------------------------
@pytest.mark.parametrize(
    ("gone", "reason"),
    [("RehydrateQueue", "queue_unavailable"), ("DeliveriesTable", "delivery_log_unavailable")],
)
def test_sqs_or_the_delivery_log_not_answering_is_a_503_logged_at_error(
    start_stack: Callable[..., AbstractContextManager[Stack]],
    capsys: pytest.CaptureFixture[str],
    gone: str,
    reason: str,
) -> None:
    with start_stack(POWERTOOLS_LOG_LEVEL="WARNING") as stack:
        physical = stack.rt.physical[gone]["Ref"]
        if gone.endswith("Queue"):  # SendMessageBatch: QueueDoesNotExist
            stack.rt.client("sqs").delete_queue(QueueUrl=physical)
        else:  # PutItem: ResourceNotFoundException
            stack.rt.client("dynamodb").delete_table(TableName=physical)
        answer = smms(stack, {"events": [like(1)]}, "msg_down")
    assert (answer.status, answer.json()["error"].split(",")[0]) == (503, reason.replace("_", " "))
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    refused = [line for line in lines if line["message"] == "webhook refused"]
    assert [(line["level"], line["status"], line["reason"]) for line in refused] == [
        ("ERROR", 503, reason)
    ]


# --- metrics as CloudWatch extracts them, read by `socialscore refusals` ----------------------
def test_refusals_and_ignored_events_reach_cloudwatch_by_source_and_reason(stack: Stack) -> None:
    from datetime import UTC, datetime, timedelta

    from socialscore_local import emf
    from socialscore_ops import refusals

    undo = emf.publish_metrics(stack.rt)
    try:
        payload = {"events": [like(1), like(1)]}
        assert smms(stack, payload, "msg_m").status == 202
        assert smms(stack, payload, "msg_m").status == 202  # a replay
        body = json.dumps(payload).encode()
        forged = webhooks.signed(webhooks.new_secret(), body)
        for _ in range(3):
            assert stack.rt.request("POST", "/webhooks/smms", forged, body).status == 401
        assert stack.rt.request("POST", "/webhooks/tiktok", {}, body).status == 404
    finally:
        undo()
    now = datetime.now(UTC)
    assert refusals.sums(now - timedelta(hours=1), now + timedelta(minutes=1)) == {
        ("refused", "smms", "bad_signature"): 3,
        ("refused", "unknown", "unknown_source"): 1,
        ("ignored", "smms", "repeated_in_delivery"): 1,  # like(1) twice, the first time
        ("ignored", "smms", "repeated_delivery"): 2,
    }
