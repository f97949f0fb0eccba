"""Ingest.receive: verify, validate, normalise and queue; a rejected request queues nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from socialscore.domain.interaction import Identify, Interaction
from socialscore.pipeline.ingest import Ingest
from socialscore.pipeline.webhook_secrets import WebhookSecrets
from socialscore.sources.base import Answer
from socialscore.sources.signatures import sign
from socialscore_local.memory.deliveries import MemoryDeliveries
from socialscore_local.memory.queue import MemoryQueue

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POST = "https://x.com/brandco/status/1790000000000000001"
MESSAGE: TypeAdapter[Interaction | Identify] = TypeAdapter(Interaction | Identify)


class RecordingQueue(MemoryQueue):
    """The ingest queues: every send recorded, each send's first `refuse` ids refused (as
    SendMessageBatch may); ingest never defers."""

    def __init__(self, refuse: int = 0) -> None:
        super().__init__(lambda call, ids: ids[: self.refuse], defers=False)
        self.refuse = refuse

    @property
    def sends(self) -> list[list[tuple[str, str]]]:
        return [[(m.id, m.body) for m in call] for call in self.calls]

    @property
    def messages(self) -> list[tuple[str, str]]:
        return [m for batch in self.sends for m in batch]


def event(n: int = 1, **overrides: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "type": "interaction",
        "id": f"evt-{n}",
        "network": "x",
        "kind": "like",
        "actor_id": f"user{n}",
        "target_permalink": POST,
        "occurred_at": "2026-03-01T11:59:00Z",
    }
    e.update(overrides)
    return e


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def signed(
    body: bytes, *, secret: str = SECRET, at: datetime = NOW, msg_id: str = "msg_1"
) -> dict[str, str]:
    stamp = int(at.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, msg_id, stamp, body),
    }


def ingest(queue: RecordingQueue, **kwargs: Any) -> Ingest:
    secrets = {"smms": [SECRET, OLD_SECRET]}
    return Ingest(
        secrets=WebhookSecrets(lambda refresh: secrets),
        interactions=queue,
        retractions=RecordingQueue(),
        deliveries=MemoryDeliveries(),
        clock=lambda: NOW,
        **kwargs,
    )


def identify(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "identify",
        "id": "idn-1",
        "network": "x",
        "network_user_id": "user1",
        "contact_id": "003ABC",
        "consent_basis": "opt_in",
        "occurred_at": "2026-03-01T11:00:00Z",
        **overrides,
    }


def post(ingest: Ingest, source: str, headers: dict[str, str], body: bytes) -> Answer:
    return ingest.receive("POST", source, headers, {}, body)


def receive(queue: RecordingQueue, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    return post(ingest(queue), "smms", signed(body) if headers is None else headers, body)


def test_a_valid_request_is_accepted_and_every_event_queued() -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(event(1), event(2), event(3, kind="share"), identify()))
    assert answer.status == 202
    assert isinstance(answer.body, dict)
    assert answer.body["accepted"] == 4
    assert len(queue.messages) == 4
    kinds = sorted(type(MESSAGE.validate_json(body)).__name__ for _, body in queue.messages)
    assert kinds == ["Identify", "Interaction", "Interaction", "Interaction"]


def test_queued_message_ids_are_unique_and_valid_sqs_batch_entry_ids() -> None:
    queue = RecordingQueue()
    receive(queue, body_of(*(event(n) for n in range(20))))
    ids = [mid for mid, _ in queue.messages]
    assert len(set(ids)) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,80}", mid) for mid in ids)


def test_a_retried_request_queues_the_same_message_ids_and_interaction_ids() -> None:
    first, again = RecordingQueue(), RecordingQueue()
    body = body_of(event(1), event(2))
    receive(first, body)
    receive(again, body, signed(body, msg_id="msg_retry", at=NOW - timedelta(seconds=30)))
    assert first.messages == again.messages


def test_queued_messages_carry_no_post_text_or_handle() -> None:
    queue = RecordingQueue()
    text = "we are evaluating vendors for this"
    receive(queue, body_of(event(1, text=text, author_handle="cio_of_prospect")))
    [(_, message)] = queue.messages
    assert text not in message
    assert "cio_of_prospect" not in message
    assert "author_handle" not in json.loads(message)


def test_mixed_case_header_names_are_accepted() -> None:
    queue = RecordingQueue()
    body = body_of(event(1))
    headers = {k.title(): v for k, v in signed(body).items()}
    assert receive(queue, body, headers).status == 202


def test_a_body_signed_with_the_old_secret_during_rotation_is_accepted() -> None:
    queue = RecordingQueue()
    body = body_of(event(1))
    assert receive(queue, body, signed(body, secret=OLD_SECRET)).status == 202
    assert len(queue.messages) == 1


def test_a_bad_signature_answers_401_and_queues_nothing() -> None:
    queue = RecordingQueue()
    body = body_of(event(1))
    other = "whsec_" + "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="
    answer = receive(queue, body, signed(body, secret=other))
    assert answer.status == 401
    assert isinstance(answer.body, dict)
    assert "signature" in answer.body["error"]
    assert queue.sends == []


def test_a_tampered_body_answers_401_and_queues_nothing() -> None:
    queue = RecordingQueue()
    headers = signed(body_of(event(1)))
    answer = receive(queue, body_of(event(1), event(2)), headers)
    assert answer.status == 401
    assert queue.sends == []


def test_a_stale_request_answers_401_and_queues_nothing() -> None:
    queue = RecordingQueue()
    body = body_of(event(1))
    answer = receive(queue, body, signed(body, at=NOW - timedelta(minutes=6)))
    assert answer.status == 401
    assert isinstance(answer.body, dict)
    assert "tolerance" in answer.body["error"]
    assert queue.sends == []


def test_missing_signature_headers_answer_401_and_queue_nothing() -> None:
    queue = RecordingQueue()
    assert receive(queue, body_of(event(1)), {}).status == 401
    assert queue.sends == []


def test_an_invalid_event_answers_400_naming_the_field_and_queues_nothing() -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(event(1, actor_id="not a valid id!"), event(2)))
    assert answer.status == 400
    assert isinstance(answer.body, dict)
    fields = [f["field"] for f in answer.body["fields"]]
    assert "events.0.actor_id" in fields, fields
    assert queue.sends == []


def test_one_bad_event_among_good_ones_rejects_the_whole_request() -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(event(1), event(2, occurred_at="2026-03-01T11:59:00")))
    assert answer.status == 400
    assert isinstance(answer.body, dict)
    assert any("occurred_at" in f["field"] for f in answer.body["fields"])
    assert all(f["field"].startswith("events.1") for f in answer.body["fields"])
    assert queue.sends == []


def test_a_body_that_is_not_json_answers_400_and_queues_nothing() -> None:
    queue = RecordingQueue()
    answer = receive(queue, b"{not json")
    assert answer.status == 400
    assert isinstance(answer.body, dict)
    assert answer.body["fields"]
    assert queue.sends == []


def test_more_than_one_hundred_events_answer_400_and_queue_nothing() -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(*(event(n) for n in range(101))))
    assert answer.status == 400
    assert isinstance(answer.body, dict)
    assert [f["field"] for f in answer.body["fields"]] == ["events"]
    assert queue.sends == []


def test_an_oversized_body_answers_413_and_queues_nothing() -> None:
    queue = RecordingQueue()
    body = body_of(event(1), event(2))
    answer = post(ingest(queue, max_body_bytes=len(body) - 1), "smms", signed(body), body)
    assert answer.status == 413
    assert queue.sends == []


def test_a_body_of_exactly_max_body_bytes_is_accepted() -> None:
    queue = RecordingQueue()
    body = body_of(event(1))
    assert post(ingest(queue, max_body_bytes=len(body)), "smms", signed(body), body).status == 202


def test_an_unknown_source_answers_404_and_queues_nothing() -> None:
    queue = RecordingQueue()
    body = body_of(event(1))
    answer = post(ingest(queue), "hootsuite", signed(body), body)
    assert answer.status == 404
    assert isinstance(answer.body, dict)
    assert "hootsuite" in answer.body["error"]
    assert queue.sends == []


def test_duplicate_events_within_one_request_are_queued_once() -> None:
    queue = RecordingQueue()
    answer = receive(queue, body_of(event(1), event(2), event(1), event(1)))
    assert answer.status == 202
    assert isinstance(answer.body, dict)
    assert answer.body["accepted"] == 2
    assert len(queue.messages) == 2
    interaction_ids = {Interaction.model_validate_json(b).interaction_id for _, b in queue.messages}
    assert len(interaction_ids) == 2


def test_a_queue_that_refuses_messages_answers_503() -> None:
    queue = RecordingQueue(refuse=1)
    answer = receive(queue, body_of(event(1), event(2), event(3)))
    assert answer.status == 503
    assert isinstance(answer.body, dict)
    assert answer.body["unsent"] == 1


def test_a_queue_that_refuses_everything_answers_503() -> None:
    queue = RecordingQueue(refuse=100)
    answer = receive(queue, body_of(event(1), event(2)))
    assert answer.status == 503
    assert isinstance(answer.body, dict)
    assert answer.body["unsent"] == 2


# --- every source through one door ---------------------------------------------------------
X_SECRET = "x-consumer-secret-1"
META_SECRET = "meta-app-secret-1"
EVERY_SECRET: dict[str, Any] = {
    "smms": [SECRET],
    "x": {"consumer_secrets": [X_SECRET]},
    "meta": {"app_secrets": [META_SECRET], "verify_token": "tok"},
}


def every_source(interactions: RecordingQueue, retractions: RecordingQueue) -> Ingest:
    return Ingest(
        secrets=WebhookSecrets(lambda refresh: EVERY_SECRET),
        interactions=interactions,
        retractions=retractions,
        deliveries=MemoryDeliveries(),
        clock=lambda: NOW,
    )


def test_the_reference_standard_webhooks_signer_is_accepted() -> None:
    from standardwebhooks.webhooks import Webhook

    queue = RecordingQueue()
    body = body_of(event(1))
    stamp = NOW
    signature = Webhook(SECRET).sign("msg_ref", stamp, body.decode())
    headers = {
        "webhook-id": "msg_ref",
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signature,
    }
    assert receive(queue, body, headers).status == 202
    # Rotation: the reference signer with the old secret, listed alongside the new one.
    old = Webhook(OLD_SECRET).sign("msg_ref", stamp, body.decode())
    assert receive(queue, body, {**headers, "webhook-signature": f"v1,bogus {old}"}).status == 202


def test_x_events_route_retractions_to_scoring_and_interactions_to_rehydration() -> None:
    interactions, retractions = RecordingQueue(), RecordingQueue()
    door = every_source(interactions, retractions)
    body = (EVENTS / "x_follow_unfollow.json").read_bytes()
    signature = base64.b64encode(
        hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    ).decode()
    headers = {"x-twitter-webhooks-signature": "sha256=" + signature}
    answer = door.receive("POST", "x", headers, {}, body)
    assert (answer.status, answer.body) == (200, {"accepted": 2})
    assert [json.loads(b)["type"] for _, b in interactions.messages] == ["interaction"]
    assert [json.loads(b)["type"] for _, b in retractions.messages] == ["retraction"]


@pytest.mark.parametrize(
    ("method", "source", "status", "allow"),
    [
        ("GET", "smms", 405, "POST"),
        ("PUT", "smms", 405, "POST"),
        ("DELETE", "x", 405, "GET, POST"),
        ("PATCH", "meta", 405, "GET, POST"),
        ("GET", "tiktok", 404, None),  # no such source (linkedin is one now)
    ],
)
def test_wrong_methods_and_unknown_sources(
    method: str, source: str, status: int, allow: str | None
) -> None:
    queue = RecordingQueue()
    answer = every_source(queue, queue).receive(method, source, {}, {}, b"{}")
    assert answer.status == status
    assert answer.headers.get("allow") == allow
    assert queue.sends == []


def test_the_verification_gets_answer_without_queueing() -> None:
    queue = RecordingQueue()
    door = every_source(queue, queue)
    crc = door.receive("GET", "x", {}, {"crc_token": "abc"}, b"")
    assert crc.status == 200
    assert door.receive("GET", "x", {}, {}, b"").status == 400
    meta = door.receive(
        "GET",
        "meta",
        {},
        {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"},
        b"",
    )
    assert (meta.status, meta.body) == (200, "42")
    assert queue.sends == []


def test_an_invalid_x_body_answers_400_naming_the_field() -> None:
    queue = RecordingQueue()
    body = json.dumps({"for_user_id": "1", "favorite_events": [{"user": {"id_str": "2"}}]}).encode()
    signature = base64.b64encode(
        hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    ).decode()
    headers = {"x-twitter-webhooks-signature": "sha256=" + signature}
    answer = every_source(queue, queue).receive("POST", "x", headers, {}, body)
    assert answer.status == 400
    assert isinstance(answer.body, dict)
    assert "favorite_events.0.favorited_status" in [f["field"] for f in answer.body["fields"]]
    assert queue.sends == []
