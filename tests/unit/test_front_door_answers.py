"""What the front door answers when a header is missing, a secret entry is in the wrong shape,
SQS or the delivery log does not answer, or a value is malformed: a fixed reason, never the
input echoed, never a bare 500."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from socialscore.domain.delivery import Claim
from socialscore.pipeline.ingest import Ingest, Receipt
from socialscore.pipeline.webhook_secrets import SecretProblem, WebhookSecrets
from socialscore_local.memory.deliveries import MemoryDeliveries
from tests.unit.test_ingest import (
    EVERY_SECRET,
    META_SECRET,
    NOW,
    X_SECRET,
    RecordingQueue,
    body_of,
    event,
    signed,
)
from tests.unit.test_ingest_front_door import META_BODY, X_BODY, Door, meta_signed, x_signed

LINKEDIN_SECRET = "linkedin-client-secret-1"
LINKEDIN_BODY = json.dumps({"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}).encode()


def linkedin_signed(secret: str, body: bytes) -> dict[str, str]:
    digest = hmac.new(secret.encode(), b"hmacsha256=" + body, hashlib.sha256).hexdigest()
    return {"x-li-signature": digest}


SIGNED_BY = {
    "x": (X_BODY, x_signed(X_SECRET, X_BODY)),
    "meta": (META_BODY, meta_signed(META_SECRET, META_BODY)),
    "linkedin": (LINKEDIN_BODY, linkedin_signed(LINKEDIN_SECRET, LINKEDIN_BODY)),
    "smms": (body_of(event(1)), signed(body_of(event(1)))),
}
EVERY = {**EVERY_SECRET, "linkedin": {"client_secrets": [LINKEDIN_SECRET]}}


# --- an unsigned POST is missing_signature, and reads no secrets again -----------------------
@pytest.mark.parametrize("source", ["x", "meta", "linkedin", "smms"])
def test_an_unsigned_post_is_missing_signature_and_rereads_nothing(source: str) -> None:
    door = Door(EVERY)
    body, good = SIGNED_BY[source]
    assert door.post(body, good, source).status in {200, 202}  # the secrets are right
    answer = door.post(body, {}, source)
    assert (answer.status, answer.reason) == (401, "missing_signature")
    assert door.loads.count(True) == 0  # no signature is no hint of a rotation


@pytest.mark.parametrize("source", ["x", "meta", "linkedin"])
def test_an_empty_signature_header_is_missing_signature(source: str) -> None:
    door = Door(EVERY)
    body, good = SIGNED_BY[source]
    answer = door.post(body, dict.fromkeys(good, ""), source)
    assert (answer.status, answer.reason) == (401, "missing_signature")


# --- a secret entry in the wrong shape is reported -------------------------------------------
WRONG_SHAPES = [
    ({"linkedin": LINKEDIN_SECRET}, "linkedin", "linkedin", "not an object of fields"),
    ({"meta": [META_SECRET]}, "meta", "meta", "not an object of fields"),
    (
        {"x": {"consumer_secret": [X_SECRET]}},
        "x",
        "x.consumer_secret",
        "not a field (expected consumer_secrets, oauth2_client_secrets)",
    ),
    (
        {"linkedin": {"client_secret": LINKEDIN_SECRET}},
        "linkedin",
        "linkedin.client_secret",
        "not a field (expected client_secrets)",
    ),
    (
        {"meta": {"app_secrets": [META_SECRET], "verify_token": 7}},
        "meta",
        "meta.verify_token",
        "not a string",
    ),
    ({"twitter": {"consumer_secrets": [X_SECRET]}}, "twitter", "twitter", "not a source"),
]


@pytest.mark.parametrize(("document", "source", "field", "problem"), WRONG_SHAPES)
def test_a_secret_entry_in_the_wrong_shape_is_reported_without_its_value(
    document: dict[str, Any], source: str, field: str, problem: str
) -> None:
    door = Door(document)
    door.secrets.current()
    assert door.problems == [SecretProblem(source, field, problem)]
    assert all(X_SECRET not in str(p) and LINKEDIN_SECRET not in str(p) for p in door.problems)


def test_a_misnamed_x_field_leaves_x_without_a_secret_and_the_right_one_beside_it_live() -> None:
    door = Door({"x": {"consumer_secret": ["x-typo-secret-123"], "consumer_secrets": [X_SECRET]}})
    assert door.post(X_BODY, x_signed(X_SECRET, X_BODY), "x").status == 200
    answer = door.post(X_BODY, x_signed("x-typo-secret-123", X_BODY), "x")
    assert (answer.status, answer.reason) == (401, "bad_signature")
    assert [p.field for p in door.problems] == ["x.consumer_secret"]


def test_the_documented_entries_report_nothing() -> None:
    document = {
        **EVERY,
        "x": {"consumer_secrets": [X_SECRET], "oauth2_client_secrets": [X_SECRET + "-oauth2"]},
    }
    door = Door(document)
    door.secrets.current()
    assert door.problems == []


# --- SQS or the delivery log not answering is a 503 with a fixed reason ----------------------
class Outage(Exception):
    """What an adapter raises when its service does not answer (botocore's, on AWS)."""


class DownQueue(RecordingQueue):
    def send(
        self, messages: Sequence[tuple[str, str]], correlation_ids: Mapping[str, str] | None = None
    ) -> list[str]:
        raise Outage("SendMessageBatch: ServiceUnavailable")


class DownLog(MemoryDeliveries):
    def __init__(self, down: str) -> None:
        super().__init__()
        self.down = down

    def claim(self, key: str, digest: str, expires_at: int, now: int) -> Claim:
        if self.down == "claim":
            raise Outage("PutItem: ProvisionedThroughputExceededException")
        return super().claim(key, digest, expires_at, now)

    def queued(self, key: str, digest: str) -> None:
        if self.down == "queued":
            raise Outage("UpdateItem: InternalServerError")
        super().queued(key, digest)


def door_over(queue: RecordingQueue, log: MemoryDeliveries) -> Ingest:
    return Ingest(
        secrets=WebhookSecrets(lambda refresh: EVERY_SECRET),
        interactions=queue,
        retractions=queue,
        deliveries=log,
        clock=lambda: NOW,
        outages=(Outage,),
    )


def smms_post(door: Ingest) -> Receipt:
    body = body_of(event(1), event(2))
    return door.receive("POST", "smms", signed(body), {}, body)


def test_sqs_not_answering_is_a_503_queue_unavailable_and_the_retry_queues() -> None:
    log = MemoryDeliveries()
    answer = smms_post(door_over(DownQueue(), log))
    assert (answer.status, answer.reason) == (503, "queue_unavailable")
    assert answer.body == {"error": "queue unavailable, retry", "unsent": 2}
    queue = RecordingQueue()
    assert smms_post(door_over(queue, log)).status == 202  # not taken for a repeat
    assert len(queue.messages) == 2


def test_x_and_meta_with_sqs_not_answering_are_a_503_too() -> None:
    door = door_over(DownQueue(), MemoryDeliveries())
    answer = door.receive("POST", "x", x_signed(X_SECRET, X_BODY), {}, X_BODY)
    assert (answer.status, answer.reason) == (503, "queue_unavailable")


def test_the_delivery_log_not_answering_its_claim_is_a_503_and_queues_nothing() -> None:
    queue = RecordingQueue()
    answer = smms_post(door_over(queue, DownLog("claim")))
    assert (answer.status, answer.reason) == (503, "delivery_log_unavailable")
    assert answer.body == {"error": "delivery log unavailable, retry"}
    assert queue.sends == []


def test_the_delivery_log_not_marking_a_queued_delivery_is_a_503_and_the_retry_counts_once() -> (
    None
):
    queue, log = RecordingQueue(), DownLog("queued")
    answer = smms_post(door_over(queue, log))
    assert (answer.status, answer.reason) == (503, "delivery_log_unavailable")
    log.down = ""
    assert smms_post(door_over(queue, log)).status == 202
    first, again = queue.sends
    assert first == again  # the same message ids: scoring counts them once


def test_an_error_that_is_no_outage_is_not_taken_for_one() -> None:
    class Broken(RecordingQueue):
        def send(
            self,
            messages: Sequence[tuple[str, str]],
            correlation_ids: Mapping[str, str] | None = None,
        ) -> list[str]:
            raise KeyError("a bug, not an outage")

    with pytest.raises(KeyError):
        smms_post(door_over(Broken(), MemoryDeliveries()))


# --- a 400 names the field and the rule, never the value -------------------------------------
MARK = "Zq9SECRETISH"
ECHOES = [
    ({"timestamp_ms": MARK}, "timestamp_ms"),
    ({"timestamp_ms": "9" * 30}, "timestamp_ms"),
    ({"timestamp_ms": None, "created_at": f"Wed Oct 10 {MARK}"}, "created_at"),
]


@pytest.mark.parametrize(("change", "field"), ECHOES)
def test_a_malformed_x_time_is_a_400_naming_the_field_not_echoing_it(
    change: dict[str, Any], field: str
) -> None:
    activity = json.loads(X_BODY)
    activity["favorite_events"][0] |= change
    body = json.dumps(activity).encode()
    answer = door_over(RecordingQueue(), MemoryDeliveries()).receive(
        "POST", "x", x_signed(X_SECRET, body), {}, body
    )
    assert (answer.status, answer.reason) == (400, "invalid_body")
    assert isinstance(answer.body, dict)
    assert [f["field"] for f in answer.body["fields"]] == [field]
    assert MARK not in json.dumps(answer.body)
    assert "9" * 30 not in json.dumps(answer.body)


def test_a_meta_time_out_of_any_calendar_is_a_400_not_echoing_it() -> None:
    delivery = json.loads(META_BODY)
    delivery["entry"][0]["changes"][0]["value"]["created_time"] = 1e300
    body = json.dumps(delivery).encode()
    answer = door_over(RecordingQueue(), MemoryDeliveries()).receive(
        "POST", "meta", meta_signed(META_SECRET, body), {}, body
    )
    assert (answer.status, answer.reason) == (400, "invalid_body")
    text = json.dumps(answer.body)
    assert "1e+300" not in text
    assert "1e300" not in text
    assert "not a unix time" in text
