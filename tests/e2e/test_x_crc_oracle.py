"""The X CRC check is no signing oracle: tried as an attacker would, over HTTP, through the
local runtime. The CRC answer is HMAC(consumer secret, token), the very signature of a POST
whose body is the token; a delivery sent as the token must get no answer to replay."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from socialscore.pipeline.ingest import Problem
from socialscore_local.runtime import LocalRuntime
from tests.integration.webhook_api import call, queued, serving

X_SECRET = "x-consumer-secret"
BRAND = "2244994945"
SIGNATURE = "x-twitter-webhooks-signature"
# A made-up user likes a brand post and follows the brand: what a forger would credit.
FORGED = json.dumps(
    {
        "for_user_id": BRAND,
        "favorite_events": [
            {
                "timestamp_ms": "1792082006140",
                "favorited_status": {"id_str": "1845977812345678848", "user": {"id_str": BRAND}},
                "user": {"id_str": "6660006660"},
            }
        ],
        "follow_events": [
            {
                "type": "follow",
                "created_timestamp": "1792082006140",
                "target": {"id_str": BRAND},
                "source": {"id_str": "6660006660"},
            }
        ],
    },
    separators=(",", ":"),
).encode()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalRuntime, str]]:
    with serving(tmp_path_factory.mktemp("crc"), "x", {"consumer_secrets": [X_SECRET]}) as served:
        yield served


def crc(url: str, token: str, *, encode: bool = True) -> tuple[int, Any]:
    return call(f"{url}?crc_token={urllib.parse.quote(token, safe='') if encode else token}")


def test_a_delivery_sent_as_crc_token_gets_no_signature_to_replay(
    api: tuple[LocalRuntime, str],
) -> None:
    rt, url = api
    forged = FORGED.decode()
    for status, answer in (crc(url, forged), crc(url, forged, encode=False)):
        assert status == 400
        problem = Problem.model_validate(answer)
        assert [f.field for f in problem.fields or []] == ["crc_token"]
        assert "response_token" not in answer

    # Every signature the CRC route gives out, for tokens an attacker may derive from the body.
    candidates = [
        forged,
        base64.b64encode(FORGED).decode(),
        base64.urlsafe_b64encode(FORGED).decode(),
        urllib.parse.quote(forged, safe=""),
        "abc",
    ]
    answers = [answer for status, answer in (crc(url, t) for t in candidates) if status == 200]
    signatures = [a["response_token"] for a in answers]
    assert signatures  # the route still answers X's own token shapes

    before = queued(rt)
    for signature in [*signatures, ""]:
        status, answer = call(url, "POST", FORGED, {SIGNATURE: signature})
        assert status == 401, (signature, answer)
    assert queued(rt) == before

    # The body itself would be taken with the secret's own signature: the 401s above are the
    # signature's doing, not the body's.
    genuine = hmac.new(X_SECRET.encode(), FORGED, hashlib.sha256).digest()
    status, answer = call(
        url, "POST", FORGED, {SIGNATURE: "sha256=" + base64.b64encode(genuine).decode()}
    )
    assert (status, answer) == (200, {"accepted": 2})


def test_an_x_shaped_token_is_answered_with_its_hmac(api: tuple[LocalRuntime, str]) -> None:
    _, url = api
    token = "ZmFrZS1jcmMtdG9rZW4+Lz0="
    expected = hmac.new(X_SECRET.encode(), token.encode(), hashlib.sha256).digest()
    assert crc(url, token) == (
        200,
        {"response_token": "sha256=" + base64.b64encode(expected).decode()},
    )
