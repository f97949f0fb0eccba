"""X's current webhook stack: either signature header, rotation for both, the CRC made with the
OAuth 2.0 client secret when there is one (https://docs.x.com/x-api/webhooks/introduction)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from socialscore.sources.base import Reading, read
from socialscore.sources.signatures import SignatureError
from socialscore.sources.smms import SmmsSource
from socialscore.sources.x import CRC_TOKEN, XSource, signs_no_delivery

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 10, 15, tzinfo=UTC)
SOURCE = XSource()
BODY = (EVENTS / "x_favorite.json").read_bytes()
LEGACY = "x-twitter-webhooks-signature"
OAUTH2 = "x-twitter-webhooks-signature-oauth2"
BOTH = {"consumer_secrets": ["consumer-new", "consumer-old"], "oauth2_client_secrets": ["c-new"]}


def sign(secret: str, body: bytes = BODY) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def test_an_app_with_only_an_oauth2_client_secret_gets_its_deliveries() -> None:
    secrets = {"oauth2_client_secrets": ["client-secret"]}
    SOURCE.verify(secrets, {OAUTH2: sign("client-secret")}, BODY, NOW)  # no legacy header
    with pytest.raises(SignatureError):
        SOURCE.verify(secrets, {OAUTH2: sign("another-client")}, BODY, NOW)


def test_its_crc_is_answered_with_the_client_secret() -> None:
    answer = SOURCE.challenge({"oauth2_client_secrets": ["client-secret"]}, {"crc_token": "abc"})
    assert answer.body == {"response_token": sign("client-secret", b"abc")}


def test_with_both_secrets_the_crc_uses_the_first_client_secret() -> None:
    answer = SOURCE.challenge(BOTH, {"crc_token": "abc"})
    assert answer.body == {"response_token": sign("c-new", b"abc")}
    consumer_only = {"consumer_secrets": ["consumer-new", "consumer-old"]}
    answer = SOURCE.challenge(consumer_only, {"crc_token": "abc"})
    assert answer.body == {"response_token": sign("consumer-new", b"abc")}


@pytest.mark.parametrize(
    "headers",
    [
        {LEGACY: sign("consumer-old")},  # a rotation under way: the old consumer secret
        {OAUTH2: sign("c-new")},
        {LEGACY: sign("consumer-new"), OAUTH2: sign("c-new")},
    ],
)
def test_either_header_or_both_verify_with_any_live_secret(headers: dict[str, str]) -> None:
    SOURCE.verify(BOTH, headers, BODY, NOW)


def test_client_secrets_rotate_too() -> None:
    secrets = {"oauth2_client_secrets": ["c-new", "c-old"]}
    SOURCE.verify(secrets, {OAUTH2: sign("c-old")}, BODY, NOW)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {LEGACY: sign("consumer-new"), OAUTH2: sign("forged")},  # a good legacy header is no
        {LEGACY: sign("forged"), OAUTH2: sign("c-new")},  # excuse for a bad OAuth2 one
        {LEGACY: sign("c-new")},  # each header takes its own secret, never the other's
        {OAUTH2: sign("consumer-new")},
        {OAUTH2: ""},
    ],
)
def test_a_missing_or_mismatching_header_refuses_the_delivery(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        SOURCE.verify(BOTH, headers, BODY, NOW)


def test_a_header_without_its_secret_configured_is_refused_with_the_reason() -> None:
    with pytest.raises(SignatureError, match="no secret is configured"):
        SOURCE.verify({"consumer_secrets": ["c"]}, {OAUTH2: sign("c")}, BODY, NOW)


@given(st.one_of(st.text(max_size=300), st.from_regex(CRC_TOKEN, fullmatch=True)))
def test_no_answered_token_can_sign_a_delivery(token: str) -> None:
    answer = SOURCE.challenge(BOTH, {"crc_token": token})
    if answer.status == 200:
        assert signs_no_delivery(token)
        with pytest.raises(ValidationError):  # the body the answer would sign is never read
            SOURCE.messages(token.encode(), NOW)


def test_a_token_holding_a_brace_is_refused_whatever_its_other_characters() -> None:
    for token in ("{", "a{b", "e30="[:2] + "{"):
        assert not signs_no_delivery(token)
        assert SOURCE.challenge(BOTH, {"crc_token": token}).status == 400


def test_the_ignored_channel_reads_any_source() -> None:
    reading = read(SOURCE, (EVENTS / "x_user_event.json").read_bytes(), NOW)
    assert reading == Reading([], reading.ignored)
    assert dict(reading.ignored) == {"app_access_revoked": 1}
    body = b'{"events": [{"type": "erase", "id": "e1", "network": "x", "network_user_id": "1",'
    body += b' "occurred_at": "2026-10-14T00:00:00Z"}]}'
    smms = read(SmmsSource(), body, NOW)  # a source that ignores nothing: no reasons
    assert len(smms.messages) == 1
    assert not smms.ignored
