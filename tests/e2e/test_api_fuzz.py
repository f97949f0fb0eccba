"""Schemathesis against the local runtime's HTTP API: inputs generated from the committed
OpenAPI document, valid and invalid, signed and not. No input gets a 5xx, a rejected request
puts nothing on any queue, and every answer is one the document publishes: a documented
status, its content type, a body of its schema (so the code cannot drift from the contract).

Generation follows the suite's Hypothesis profile (tests/conftest.py): derandomized in CI."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NotSet

from socialscore_local import demo, server, webhooks
from socialscore_local.runtime import LocalRuntime

SCHEMA = schemathesis.openapi.from_path(
    Path(__file__).resolve().parents[2] / "schema" / "openapi.json"
)
# Schemathesis' own generation settings follow the profile too, so that its Hypothesis settings
# (taken below) draw the same inputs on every CI run.
SCHEMA.config.generation.update(deterministic=settings.default.derandomize)
OPERATIONS = [(op.path, op.method.upper()) for op in (r.ok() for r in SCHEMA.get_all_operations())]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
X_SECRET = "x-consumer-secret"
META_SECRET = "meta-app-secret-1"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalRuntime, str, str]]:
    with demo.runtime(tmp_path_factory.mktemp("fuzz")) as rt:
        smms_secret = demo.seed(rt)
        secrets = rt.client("secretsmanager")
        arn = rt.physical["WebhookSecrets"]["Ref"]
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        value["x"] = {"consumer_secrets": [X_SECRET]}
        value["meta"] = {"app_secrets": [META_SECRET], "verify_token": "tok"}
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        http = server.http_server(rt)
        try:
            yield rt, server.url(http), smms_secret
        finally:
            http.shutdown()
            http.server_close()


def sign(path: str, body: bytes, smms_secret: str) -> dict[str, str]:
    if path.endswith("/smms"):
        return webhooks.signed(smms_secret, body)
    if path.endswith("/x"):
        digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
        return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}
    return {
        "x-hub-signature-256": "sha256="
        + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    }


def send(url: str, method: str, body: bytes | None, headers: dict[str, str]) -> requests.Response:
    return requests.request(method, url, data=body, headers=headers, timeout=30)


def depths(rt: LocalRuntime) -> dict[str, int]:
    return {q: rt.depth(q) for q in ("RehydrateQueue", "ScoreQueue")}


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=lambda v: str(v))
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_generated_inputs_get_documented_answers_and_rejected_ones_queue_nothing(
    api: tuple[LocalRuntime, str, str], path: str, method: str, mode: GenerationMode
) -> None:
    rt, base, smms_secret = api
    operation = SCHEMA[path][method]
    statuses: list[int] = []
    # Ingest checks the signature before it reads a body (only the size comes first), so an
    # unsigned body gets its 401 whatever it holds: the positive run proves that. Malformed
    # bodies are all signed, to reach the parser: as many as when half went unsigned, for half
    # the generation (X's delivery schema takes ~0.25 s of CPU a negative case).
    negative = mode == GenerationMode.NEGATIVE

    @settings(
        SCHEMA.config.get_hypothesis_settings(operation=operation),
        max_examples=20 if negative else 40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        print_blob=True,
    )
    @given(
        case=operation.as_strategy(generation_mode=mode),
        signed=st.just(True) if negative else st.booleans(),
    )
    def check(case: Any, signed: bool) -> None:
        query = urllib.parse.urlencode(case.query or {}, doseq=True)
        url = f"{base}{path}" + (f"?{query}" if query else "")
        body: bytes | None = None
        if method != "GET" and not isinstance(case.body, NotSet):
            raw = case.body  # negative cases may be raw bytes: not JSON at all
            body = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
        headers = {"content-type": "application/json"}
        if body is not None and signed:
            headers |= sign(path, body, smms_secret)
        before = depths(rt)
        response = send(url, method, body, headers)
        status = response.status_code
        statuses.append(status)
        assert status < 500, (status, case.body, case.query)
        if status >= 300:
            assert depths(rt) == before, (status, case.body)
        case.validate_response(response, checks=CHECKS, headers=headers)
        rt.drain()  # keep queues short: moto's receive slows as they grow

    check()
    assert statuses  # the strategy produced requests


def test_the_meta_verification_answer_is_the_one_documented(
    api: tuple[LocalRuntime, str, str],
) -> None:
    _, base, _ = api
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"}
    response = requests.get(f"{base}/webhooks/meta", params=query, timeout=30)
    assert (response.status_code, response.text) == (200, "42")
    SCHEMA["/webhooks/meta"]["GET"].Case(query=query).validate_response(response, checks=CHECKS)
