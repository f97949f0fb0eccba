"""The front door under attack: secrets that are no secrets, forged headers, replayed and
reused webhook ids, rotation seen early, and the reason every refusal gives. Nothing queued on
any refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from socialscore.pipeline.ingest import Ingest, Receipt
from socialscore.pipeline.webhook_secrets import SecretProblem, WebhookSecrets
from socialscore_local.memory.deliveries import MemoryDeliveries
from tests.unit.test_ingest import (
    EVERY_SECRET,
    NOW,
    SECRET,
    RecordingQueue,
    body_of,
    event,
    signed,
)

NEW_SECRET = "whsec_" + base64.b64encode(b"the rotated secret, 32 bytes ok!").decode()


class Door:
    """Ingest over fakes, with the secret document an operator would have put."""

    def __init__(self, document: Mapping[str, Any] | None = None, refuse: int = 0) -> None:
        self.document: Mapping[str, Any] = EVERY_SECRET if document is None else document
        self.problems: list[SecretProblem] = []
        self.loads: list[bool] = []
        self.cached: Mapping[str, Any] = self.document
        self.seconds = 0.0
        self.queue = RecordingQueue(refuse)
        self.deliveries = MemoryDeliveries()
        self.secrets = WebhookSecrets(self._load, self.problems.extend, lambda: self.seconds)
        self.ingest = Ingest(
            secrets=self.secrets,
            interactions=self.queue,
            retractions=self.queue,
            deliveries=self.deliveries,
            clock=lambda: NOW,
        )

    def _load(self, refresh: bool) -> Mapping[str, Any]:
        # As Powertools' cache: the stored document only when asked to refresh.
        self.loads.append(refresh)
        if refresh:
            self.cached = self.document
        return self.cached

    def post(self, body: bytes, headers: Mapping[str, str], source: str = "smms") -> Receipt:
        return self.ingest.receive("POST", source, headers, {}, body)


def x_signed(secret: str, body: bytes) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}


def meta_signed(secret: str, body: bytes) -> dict[str, str]:
    return {
        "x-hub-signature-256": "sha256=" + hmac.new(secret.encode(), body, "sha256").hexdigest()
    }


X_BODY = json.dumps(
    {
        "for_user_id": "7",
        "favorite_events": [
            {
                "timestamp_ms": "1772366340000",
                "favorited_status": {"id_str": "1", "user": {"id_str": "7"}},
                "user": {"id_str": "42"},
            }
        ],
    }
).encode()
META_BODY = json.dumps(
    {
        "object": "page",
        "entry": [
            {
                "id": "100",
                "time": 1772366340,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "reaction",
                            "verb": "add",
                            "post_id": "100_5",
                            "from": {"id": "42"},
                            "created_time": 1772366340,
                        },
                    }
                ],
            }
        ],
    }
).encode()


# --- a secret that is no secret -------------------------------------------------------------
SHORT_KEY = "whsec_" + base64.b64encode(b"23 bytes is not enough!").decode()
NO_SECRETS = [
    ("", "empty"),
    ("   ", "empty"),
    ("whsec_", "shorter than 24 bytes"),
    (SHORT_KEY, "shorter than 24 bytes"),
    ("whsec_not*base64!", "not base64"),
    ("whsec_" + SECRET.removeprefix("whsec_")[:-1], "not base64"),  # padding broken
]


@pytest.mark.parametrize(("secret", "problem"), NO_SECRETS)
def test_an_smms_secret_that_is_no_secret_answers_401_as_if_none_were_set(
    secret: str, problem: str
) -> None:
    door = Door({"smms": [secret]})
    body = body_of(event(1))
    # Whatever signs with it: the door knows no secret to check against.
    answer = door.post(body, signed(body, secret=SECRET))
    assert (answer.status, answer.reason) == (401, "no_secret")
    assert door.queue.sends == []
    assert door.problems == [SecretProblem("smms", "smms.0", problem)]
    assert secret.strip() == "" or secret not in repr(door.problems)


def test_a_bad_secret_beside_a_good_one_leaves_the_good_one_live_and_is_reported() -> None:
    door = Door({"smms": ["whsec_!!!", SECRET]})
    body = body_of(event(1))
    assert door.post(body, signed(body)).status == 202
    assert door.problems == [SecretProblem("smms", "smms.0", "not base64")]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"x": {"consumer_secrets": [""]}}, "x.consumer_secrets.0"),
        ({"x": {"consumer_secrets": ["short"]}}, "x.consumer_secrets.0"),
        ({"x": {"consumer_secrets": "x" * 15}}, "x.consumer_secrets.0"),
        ({"x": {"consumer_secrets": 12345}}, "x.consumer_secrets"),
    ],
    ids=["empty", "five-characters", "fifteen-characters", "a-number"],
)
def test_a_short_x_secret_is_no_secret(document: dict[str, Any], field: str) -> None:
    door = Door(document)
    answer = door.post(X_BODY, x_signed("short", X_BODY) | x_signed("x" * 15, X_BODY), "x")
    assert (answer.status, answer.reason) == (401, "no_secret")
    assert [p.field for p in door.problems] == [field]
    assert door.queue.sends == []


def test_a_short_meta_app_secret_is_no_secret() -> None:
    door = Door({"meta": {"app_secrets": ["tiny"], "verify_token": "tok"}})
    answer = door.post(META_BODY, meta_signed("tiny", META_BODY), "meta")
    assert (answer.status, answer.reason) == (401, "no_secret")
    assert door.problems == [
        SecretProblem("meta", "meta.app_secrets.0", "shorter than 16 characters")
    ]


def test_problems_are_reported_once_per_document_not_per_request() -> None:
    door = Door({"smms": ["whsec_!!!"]})
    door.secrets.current()  # cold start
    body = body_of(event(1))
    for _ in range(3):
        door.post(body, signed(body))
    assert len(door.problems) == 1


def test_x_and_meta_accept_their_secrets_through_the_door() -> None:
    door = Door()
    x = door.post(X_BODY, x_signed(EVERY_SECRET["x"]["consumer_secrets"][0], X_BODY), "x")
    meta = door.post(
        META_BODY, meta_signed(EVERY_SECRET["meta"]["app_secrets"][0], META_BODY), "meta"
    )
    assert (x.status, meta.status) == (200, 200)
    assert door.problems == []


# --- forged Standard Webhooks headers -------------------------------------------------------
@pytest.mark.parametrize(
    "stamp",
    [
        "\uff11\uff17\uff17\uff12",  # fullwidth digits
        "\u0663",  # an Arabic-Indic digit
        " 1772366400",
        "+1772366400",
        "1_772_366_400",
        "1772366400\n",
        "-1",
    ],
    ids=["fullwidth", "arabic-indic", "leading-space", "plus", "underscores", "newline", "minus"],
)
def test_a_timestamp_of_anything_but_ascii_digits_is_refused(stamp: str) -> None:
    door = Door()
    body = body_of(event(1))
    headers = signed(body) | {"webhook-timestamp": stamp}
    answer = door.post(body, headers)
    assert (answer.status, answer.reason) == (401, "bad_timestamp")
    assert door.queue.sends == []


@pytest.mark.parametrize(
    "msg_id", ["msg.1", "a" * 257, "msg 1", "msg\u00e91"], ids=["dot", "257", "space", "non-ascii"]
)
def test_a_webhook_id_outside_the_spec_is_refused_even_when_correctly_signed(msg_id: str) -> None:
    door = Door()
    body = body_of(event(1))
    answer = door.post(body, signed(body, msg_id=msg_id))
    assert (answer.status, answer.reason) == (401, "bad_webhook_id")
    assert door.queue.sends == []


def test_a_webhook_id_of_256_visible_characters_is_accepted() -> None:
    door = Door()
    body = body_of(event(1))
    assert door.post(body, signed(body, msg_id="m" * 255 + "~")).status == 202


# --- replays: the webhook-id remembered -----------------------------------------------------
def test_a_replayed_delivery_is_acknowledged_and_queued_once() -> None:
    door = Door()
    body = body_of(event(1), event(2))
    headers = signed(body)
    first, again = door.post(body, headers), door.post(body, headers)
    assert (first.status, first.body) == (202, {"accepted": 2})
    assert (again.status, again.body) == (202, {"accepted": 2})
    assert again.ignored == {"repeated_delivery": 2}
    assert len(door.queue.messages) == 2


def test_a_retry_under_the_same_id_with_a_new_timestamp_is_queued_once() -> None:
    door = Door()
    body = body_of(event(1))
    door.post(body, signed(body, msg_id="msg_retry"))
    later = signed(body, msg_id="msg_retry", at=NOW - timedelta(seconds=40))
    assert door.post(body, later).status == 202
    assert len(door.queue.messages) == 1


def test_the_same_id_with_another_body_is_refused_and_queues_nothing() -> None:
    door = Door()
    body, other = body_of(event(1)), body_of(event(9))
    assert door.post(body, signed(body, msg_id="msg_x")).status == 202
    answer = door.post(other, signed(other, msg_id="msg_x"))
    assert (answer.status, answer.reason) == (409, "webhook_id_reused")
    assert len(door.queue.messages) == 1


def test_an_invalid_body_records_no_id_a_valid_one_under_it_is_taken() -> None:
    door = Door()
    bad, good = body_of(event(1, kind="poke")), body_of(event(1))
    assert door.post(bad, signed(bad, msg_id="msg_y")).status == 400
    assert door.post(good, signed(good, msg_id="msg_y")).status == 202


def test_after_a_503_the_retry_queues_and_then_the_id_is_remembered() -> None:
    door = Door(refuse=100)
    body = body_of(event(1))
    headers = signed(body)
    failed = door.post(body, headers)
    assert (failed.status, failed.reason) == (503, "queue_unavailable")
    door.queue.refuse = 0
    assert door.post(body, headers).status == 202  # acknowledged only once durable
    assert door.post(body, headers).ignored == {"repeated_delivery": 1}
    assert len(door.queue.sends) == 2  # the refused attempt and the retry; not the repeat


def test_an_id_is_forgotten_once_no_replay_can_pass_the_timestamp_check() -> None:
    door = Door()
    body, other = body_of(event(1)), body_of(event(2))
    door.post(body, signed(body, msg_id="msg_z"))
    [(_, expires, _)] = door.deliveries.items.values()
    # Remembered past the 5 minutes a replay may lag its signature and the 5 it may lead it.
    assert expires >= NOW.timestamp() + 10 * 60
    later = Door()
    later.deliveries = door.deliveries
    later.ingest.deliveries = door.deliveries
    later.ingest.clock = lambda: NOW + timedelta(minutes=12)
    assert (
        later.post(other, signed(other, msg_id="msg_z", at=NOW + timedelta(minutes=12))).status
        == 202
    )


def test_x_and_meta_deliveries_carry_no_id_and_record_nothing() -> None:
    door = Door()
    door.post(X_BODY, x_signed(EVERY_SECRET["x"]["consumer_secrets"][0], X_BODY), "x")
    assert door.deliveries.items == {}


# --- a rotation seen without waiting out the cache ------------------------------------------
def test_after_a_signature_failure_the_secrets_are_read_again_at_most_once_a_minute() -> None:
    door = Door({"smms": [SECRET]})
    door.secrets.current()
    door.document = {"smms": [NEW_SECRET]}  # rotated in Secrets Manager; the cache is older
    body = body_of(event(1))
    assert door.post(body, signed(body, secret=NEW_SECRET, msg_id="m1")).status == 202
    assert door.loads.count(True) == 1
    forged = signed(body, secret="whsec_" + base64.b64encode(b"x" * 32).decode(), msg_id="m2")
    for _ in range(5):
        assert door.post(body, forged).status == 401
    assert door.loads.count(True) == 1  # a flood of bad signatures: no more reads
    door.seconds += 61
    assert door.post(body, forged).status == 401
    assert door.loads.count(True) == 2


def test_a_reread_that_finds_nothing_new_answers_401_once() -> None:
    door = Door()
    body = body_of(event(1))
    forged = signed(body, secret=NEW_SECRET)
    answer = door.post(body, forged)
    assert (answer.status, answer.reason) == (401, "bad_signature")
    assert door.loads.count(True) == 1


# --- every refusal says why -----------------------------------------------------------------
def test_every_refusal_names_its_reason_and_queues_nothing() -> None:
    door = Door()
    body = body_of(event(1))
    ok = signed(body)
    cases: list[tuple[Receipt, int, str]] = [
        (door.ingest.receive("POST", "hootsuite", ok, {}, body), 404, "unknown_source"),
        (door.ingest.receive("PUT", "smms", ok, {}, body), 405, "method_not_allowed"),
        (door.post(body, {}), 401, "missing_signature"),
        (door.post(body, signed(body, at=NOW - timedelta(minutes=6))), 401, "stale_timestamp"),
        (door.post(body + b" ", ok), 401, "bad_signature"),
        (door.post(b"{", signed(b"{")), 400, "invalid_body"),
        (
            door.ingest.receive("GET", "x", {}, {"crc_token": "{}"}, b""),
            400,
            "bad_verification_request",
        ),
        (
            door.ingest.receive(
                "GET",
                "meta",
                {},
                {"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "1"},
                b"",
            ),
            403,
            "bad_verify_token",
        ),
    ]
    big = Door()
    big.ingest.max_body_bytes = len(body) - 1
    cases.append((big.post(body, ok), 413, "too_large"))
    assert [(r.status, r.reason) for r, _, _ in cases] == [(s, w) for _, s, w in cases]
    assert door.queue.sends == []
    assert big.queue.sends == []


def test_an_accepted_request_gives_no_reason_and_counts_the_repeats_it_dropped() -> None:
    door = Door()
    body = body_of(event(1), event(1), event(2))
    answer = door.post(body, signed(body, msg_id="msg_dup"))
    assert (answer.status, answer.reason) == (202, None)
    assert answer.ignored == {"repeated_in_delivery": 1}
