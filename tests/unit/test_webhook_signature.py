"""Standard Webhooks signatures: the spec's test vector, rotation, tolerance, tampering."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from socialscore.sources.signatures import SignatureError, sign, verify

# The published test vector of the Standard Webhooks spec, as used by
# standard-webhooks/standard-webhooks libraries/python/tests/test_webhooks.py (test_sign_function).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
# A signature of the right shape that matches nothing (last character of the vector changed).
WRONG_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="

OTHER_SECRET = "whsec_" + base64.b64encode(b"another secret of 32 bytes long!").decode()
AT_VECTOR = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)


def vector_headers(**overrides: str) -> dict[str, str]:
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    headers.update(overrides)
    return headers


def test_sign_reproduces_the_spec_test_vector() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_verify_accepts_the_spec_test_vector_and_returns_the_webhook_id() -> None:
    assert verify([VECTOR_SECRET], vector_headers(), VECTOR_BODY, AT_VECTOR) == VECTOR_ID


def test_a_secret_without_the_whsec_prefix_verifies_the_same() -> None:
    bare = VECTOR_SECRET.removeprefix("whsec_")
    assert verify([bare], vector_headers(), VECTOR_BODY, AT_VECTOR) == VECTOR_ID


def test_several_signatures_where_only_the_second_matches_are_accepted() -> None:
    header = f"{WRONG_SIGNATURE} {VECTOR_SIGNATURE}"
    headers = vector_headers(**{"webhook-signature": header})
    assert verify([VECTOR_SECRET], headers, VECTOR_BODY, AT_VECTOR) == VECTOR_ID


def test_the_spec_multi_signature_header_with_other_versions_is_accepted() -> None:
    other = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
    header = " ".join([f"v1,{other}", f"v2,{other}", VECTOR_SIGNATURE, f"v1,{other}"])
    headers = vector_headers(**{"webhook-signature": header})
    assert verify([VECTOR_SECRET], headers, VECTOR_BODY, AT_VECTOR) == VECTOR_ID


def test_only_wrong_signatures_are_rejected() -> None:
    header = f"{WRONG_SIGNATURE} v2,{VECTOR_SIGNATURE.removeprefix('v1,')}"
    headers = vector_headers(**{"webhook-signature": header})
    with pytest.raises(SignatureError):
        verify([VECTOR_SECRET], headers, VECTOR_BODY, AT_VECTOR)


def test_during_rotation_a_body_signed_with_the_old_secret_is_accepted() -> None:
    # The new secret is listed first; the sender still signs with the old one.
    live = [OTHER_SECRET, VECTOR_SECRET]
    assert verify(live, vector_headers(), VECTOR_BODY, AT_VECTOR) == VECTOR_ID


def test_after_rotation_the_retired_secret_no_longer_verifies() -> None:
    with pytest.raises(SignatureError):
        verify([OTHER_SECRET], vector_headers(), VECTOR_BODY, AT_VECTOR)


def test_no_live_secret_rejects_everything() -> None:
    with pytest.raises(SignatureError):
        verify([], vector_headers(), VECTOR_BODY, AT_VECTOR)


@pytest.mark.parametrize("skew", [-300, -1, 0, 1, 300])
def test_a_timestamp_within_five_minutes_either_way_is_accepted(skew: int) -> None:
    now = AT_VECTOR + timedelta(seconds=skew)
    assert verify([VECTOR_SECRET], vector_headers(), VECTOR_BODY, now) == VECTOR_ID


@pytest.mark.parametrize(
    "skew",
    [301, 3600, 86400, -301, -3600, -86400],
    ids=["past-301s", "past-1h", "past-1d", "future-301s", "future-1h", "future-1d"],
)
def test_a_stale_or_future_timestamp_is_rejected_even_when_correctly_signed(skew: int) -> None:
    # skew > 0: the request is older than now; skew < 0: it claims to come from the future.
    now = AT_VECTOR + timedelta(seconds=skew)
    with pytest.raises(SignatureError, match="tolerance"):
        verify([VECTOR_SECRET], vector_headers(), VECTOR_BODY, now)


def test_a_fresh_signature_over_a_fresh_timestamp_is_accepted() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    stamp = int(now.timestamp())
    body = b'{"events": []}'
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(VECTOR_SECRET, "msg_1", stamp, body),
    }
    assert verify([VECTOR_SECRET], headers, body, now) == "msg_1"


@pytest.mark.parametrize(
    "tampered",
    [
        VECTOR_BODY + b" ",
        b'{"test": 2432232315}',
        b'{"test":2432232314}',
        b"",
    ],
    ids=["trailing-space", "changed-digit", "reserialised", "empty"],
)
def test_a_tampered_body_is_rejected(tampered: bytes) -> None:
    with pytest.raises(SignatureError, match="signature"):
        verify([VECTOR_SECRET], vector_headers(), tampered, AT_VECTOR)


def test_the_signature_is_bound_to_the_webhook_id_and_timestamp() -> None:
    with pytest.raises(SignatureError):
        verify(
            [VECTOR_SECRET], vector_headers(**{"webhook-id": "msg_other"}), VECTOR_BODY, AT_VECTOR
        )
    moved = str(VECTOR_TIMESTAMP + 1)
    with pytest.raises(SignatureError):
        verify(
            [VECTOR_SECRET], vector_headers(**{"webhook-timestamp": moved}), VECTOR_BODY, AT_VECTOR
        )


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_rejected(missing: str) -> None:
    headers = vector_headers()
    del headers[missing]
    with pytest.raises(SignatureError, match="missing"):
        verify([VECTOR_SECRET], headers, VECTOR_BODY, AT_VECTOR)


@pytest.mark.parametrize("empty", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_an_empty_header_is_rejected(empty: str) -> None:
    with pytest.raises(SignatureError):
        verify([VECTOR_SECRET], vector_headers(**{empty: ""}), VECTOR_BODY, AT_VECTOR)


@pytest.mark.parametrize("stamp", ["hello", "1614265330.0", "1.6e9", "0x603a0df2", "now"])
def test_a_non_integer_timestamp_is_rejected(stamp: str) -> None:
    with pytest.raises(SignatureError, match="timestamp"):
        verify(
            [VECTOR_SECRET], vector_headers(**{"webhook-timestamp": stamp}), VECTOR_BODY, AT_VECTOR
        )
