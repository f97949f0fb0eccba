"""The X CRC check answers HMAC(consumer secret, token): the signature of a POST whose body is
the token. It must never answer a token that is also a body the X source accepts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from socialscore.pipeline.ingest import Problem
from socialscore.sources.x import CRC_TOKEN, XSource

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 10, 15, tzinfo=UTC)
SECRETS = {"consumer_secrets": ["consumer-secret"]}
SOURCE = XSource()
DELIVERIES = sorted(EVENTS.glob("x_*.json"))


def compact(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


def accepted(body: bytes) -> bool:
    """Whether the X source takes the body as a delivery (its signature aside)."""
    try:
        SOURCE.messages(body, NOW)
    except ValueError:  # pydantic's ValidationError too
        return False
    return True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
# Shapes of a delivery: an object with an account id and event arrays, small enough to fit.
deliveries = st.fixed_dictionaries(
    {"for_user_id": st.from_regex(r"\d{1,19}", fullmatch=True)},
    optional={
        "favorite_events": st.lists(json_values, max_size=2),
        "follow_events": st.lists(json_values, max_size=2),
    },
)
tokens = st.one_of(
    st.from_regex(CRC_TOKEN, fullmatch=True),
    st.text(),
    st.text(alphabet='{}[]":,0123456789abc truefalsnl', max_size=40),
    json_values.map(compact),
    deliveries.map(compact),
    st.sampled_from([p.read_text() for p in DELIVERIES]),
    st.sampled_from([compact(json.loads(p.read_text())) for p in DELIVERIES]),
)


@given(tokens)
def test_no_answered_token_is_a_body_the_x_source_accepts(token: str) -> None:
    answer = SOURCE.challenge(SECRETS, {"crc_token": token})
    assert answer.status in (200, 400)
    if answer.status == 200:
        assert not accepted(token.encode()), token


@given(st.from_regex(CRC_TOKEN, fullmatch=True))
def test_every_token_of_x_shape_is_answered_and_is_no_delivery(token: str) -> None:
    answer = SOURCE.challenge(SECRETS, {"crc_token": token})
    assert answer.status == 200
    with pytest.raises(ValidationError):  # not JSON, or JSON but not a delivery
        SOURCE.messages(token.encode(), NOW)


@pytest.mark.parametrize("path", DELIVERIES, ids=lambda p: p.name)
def test_the_sample_deliveries_are_accepted_and_refused_as_crc_tokens(path: Path) -> None:
    document = json.loads(path.read_text())
    for body in (path.read_text(), compact(document)):
        assert accepted(body.encode())  # the property above is not vacuous
        assert SOURCE.challenge(SECRETS, {"crc_token": body}).status == 400


@pytest.mark.parametrize(
    "token",
    [
        "",
        "{}",
        '{"for_user_id":"1"}',
        "a b",
        "abc\n",
        '"abc"',
        "1,2",
        "caf\u00e9",
        "nul\x00",
        "a" * 257,
    ],
    ids=repr,
)
def test_a_token_out_of_x_shape_is_a_problem_naming_crc_token(token: str) -> None:
    answer = SOURCE.challenge(SECRETS, {"crc_token": token})
    assert answer.status == 400
    problem = Problem.model_validate(answer.body)  # the shape the OpenAPI document publishes
    assert [f.field for f in problem.fields or []] == ["crc_token"]
    said = [problem.error, *(f.message for f in problem.fields or [])]
    assert not [s for s in said if token and token in s]  # the token is never echoed


@pytest.mark.parametrize(
    "token",
    [
        "a",
        "a" * 256,
        "MjA4ZmE1NzMtNjg0Yi00Y2Y2LTk2NWMtMTEzNzcwMjk0MWRm",
        "q+/Z9w==",
        "url-safe_token.v2:1",
    ],
)
def test_tokens_of_x_shape_get_the_hmac_of_the_token(token: str) -> None:
    answer = SOURCE.challenge(SECRETS, {"crc_token": token})
    digest = hmac.new(b"consumer-secret", token.encode(), hashlib.sha256).digest()
    assert (answer.status, answer.body) == (
        200,
        {"response_token": "sha256=" + base64.b64encode(digest).decode()},
    )


def test_without_a_consumer_secret_nothing_is_signed() -> None:
    answer = SOURCE.challenge({}, {"crc_token": "abc"})
    assert answer.status == 401
    Problem.model_validate(answer.body)
