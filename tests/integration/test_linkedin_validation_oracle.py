"""LinkedIn's validation GET is no signing oracle: tried as an attacker would, over HTTP, through
the local runtime. The answer is hex HMAC(client secret, challengeCode); a delivery's
X-LI-Signature is hex HMAC(client secret, "hmacsha256=" + body). An attacker who could have any
string answered would ask for "hmacsha256=" + a forged body: it must get no answer to replay."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from socialscore_local.runtime import LocalRuntime
from tests.integration.webhook_api import call, queued, serving

CLIENT_SECRET = "li-client-secret-16+"
DOC_CODE = "890e4665-4dfe-4ab1-b689-ed553bceeed0"  # LinkedIn's "Webhook validation" example
ORG = "urn:li:organization:5515715"
# A made-up member likes a Page post: what a forger would credit.
FORGED = json.dumps(
    {
        "type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS",
        "notifications": [
            {
                "notificationId": 1,
                "organizationalEntity": ORG,
                "action": "LIKE",
                "actor": "urn:li:person:forged0001",
                "sourcePost": "urn:li:activity:6441333333905633322",
                "lastModifiedAt": 1790000000000,
            }
        ],
    },
    separators=(",", ":"),
).encode()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalRuntime, str]]:
    with serving(
        tmp_path_factory.mktemp("li-validation"), "linkedin", {"client_secrets": [CLIENT_SECRET]}
    ) as served:
        yield served


def validate(url: str, code: str) -> tuple[int, Any]:
    return call(f"{url}?challengeCode={urllib.parse.quote(code, safe='')}")


def test_the_documented_code_is_answered(api: tuple[LocalRuntime, str]) -> None:
    _, url = api
    code = DOC_CODE
    expected = hmac.new(CLIENT_SECRET.encode(), code.encode(), hashlib.sha256).hexdigest()
    assert validate(url, code) == (200, {"challengeCode": code, "challengeResponse": expected})


def test_a_forged_delivery_gets_no_signature_to_replay(api: tuple[LocalRuntime, str]) -> None:
    rt, url = api
    forged = FORGED.decode()
    candidates = ["hmacsha256=" + forged, forged, "hmacsha256=", "hmacsha256=%7B%7D"]
    for code in candidates:
        status, answer = validate(url, code)
        assert status == 400, code
        assert "challengeResponse" not in answer
        assert [f["field"] for f in answer["fields"]] == ["challengeCode"]

    before = queued(rt)
    # Every signature the route gives out, for codes an attacker may derive from the body.
    tried = [*candidates, forged[:36], DOC_CODE]
    answered = [a["challengeResponse"] for s, a in (validate(url, c) for c in tried) if s == 200]
    assert answered  # the route still answers LinkedIn's own codes
    for signature in [*answered, ""]:
        status, answer = call(url, "POST", FORGED, {"X-LI-Signature": signature})
        assert status == 401, (signature, answer)
    assert queued(rt) == before

    # The body itself is taken with LinkedIn's own signature: the 401s were the signature's.
    genuine = hmac.new(CLIENT_SECRET.encode(), b"hmacsha256=" + FORGED, hashlib.sha256)
    status, answer = call(url, "POST", FORGED, {"X-LI-Signature": genuine.hexdigest()})
    assert (status, answer) == (200, {"accepted": 1})
