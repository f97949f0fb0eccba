"""Schemathesis against the local runtime's HTTP API: inputs generated from the committed
OpenAPI document, valid and invalid, signed and not. No input gets a 5xx, a rejected request
puts nothing on any queue, and every answer is one the document publishes: a documented
status, its content type, a body of its schema (so the code cannot drift from the contract).

Generation follows the suite's Hypothesis profile (tests/conftest.py): derandomized in CI."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

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
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok

from socialscore_local import demo, server, webhooks
from socialscore_local.runtime import LocalRuntime

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py

SCHEMA = schemathesis.openapi.from_path(
    Path(__file__).resolve().parents[2] / "schema" / "openapi.json"
)
# Schemathesis' own generation settings follow the profile too, so that its Hypothesis settings
# (taken below) draw the same inputs on every CI run.
# settings() is the loaded profile's.
SCHEMA.config.generation.update(deterministic=settings().derandomize)
T = TypeVar("T")


def _ok(result: Ok[T] | Err[InvalidSchema]) -> T:
    """An operation of the document, or the document's own error: read at import, a committed
    document that is not valid fails collection, saying what is wrong."""
    if isinstance(result, Err):
        raise result.err()
    return result.ok()


OPERATIONS = [(op.path, op.method.upper()) for op in map(_ok, SCHEMA.get_all_operations())]
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


# Every property name X's two delivery schemas (and those they hold) know: a place in a
# delivery named only by these and list indices is one the parser reads, not an extra key.
X_FIELDS = {
    name
    for title, schema in SCHEMA.raw_schema["components"]["schemas"].items()
    if title.startswith("X")
    for name in schema.get("properties", {})
}
# One value of each JSON type: a field broken by one of another type than its own.
JSON_VALUES: list[Any] = [None, True, 7, -1.5, "", "not-a-field", [], [None], {}, {"": 0}]


def places(body: Any, at: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where a JSON body holds a value the X parser reads: the body itself, then every value
    under a field X's schemas name (or an index of a list under one)."""
    yield at
    if isinstance(body, dict | list):
        for key, value in body.items() if isinstance(body, dict) else enumerate(body):
            if isinstance(key, int) or key in X_FIELDS:
                yield from places(value, (*at, key))


def value_at(body: Any, at: tuple[str | int, ...]) -> Any:
    return functools.reduce(lambda node, key: node[key], at, body)


def broken(body: Any, at: tuple[str | int, ...], value: Any, drop: bool) -> Any:
    """`body` with the value at `at` replaced by `value`, or, `drop`ped from its object."""
    if not at:
        return value
    copy = json.loads(json.dumps(body))
    parent = value_at(copy, at[:-1])
    if drop and isinstance(parent, dict):
        del parent[at[-1]]
    else:
        parent[at[-1]] = value
    return copy


@st.composite
def broken_x_deliveries(draw: st.DrawFn, operation: Any) -> Any:
    """X deliveries broken in one place: a valid delivery (the document's own strategy) with one
    field the parser reads given a value of another JSON type, or dropped; one in five no JSON
    object at all. Schemathesis' negative mode gave only the last kind here (its negation of a
    body that is 'either of two objects or null' is 'not an object'), at ~0.4 s of CPU a case."""
    if draw(st.integers(0, 4)) == 0:
        not_an_object = [v for v in JSON_VALUES if not isinstance(v, dict) and v is not None]
        raw = draw(st.binary(min_size=1, max_size=16) | st.sampled_from(not_an_object))
        return operation.Case(body=raw)
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    valid = draw(positive.filter(lambda case: len(list(places(case.body))) > 1)).body
    at = draw(st.sampled_from(list(places(valid))[1:]))  # a field, not the body itself
    here = value_at(valid, at)
    other = draw(st.sampled_from([v for v in JSON_VALUES if type(v) is not type(here)]))
    return operation.Case(body=broken(valid, at, other, draw(st.booleans())))


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
    x_broken = negative and (path, method) == ("/webhooks/x", "POST")
    cases = (
        broken_x_deliveries(operation) if x_broken else operation.as_strategy(generation_mode=mode)
    )

    @settings(
        SCHEMA.config.get_hypothesis_settings(operation=operation),
        max_examples=20 if negative else 40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        print_blob=True,
    )
    @given(
        case=cases,
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
    if x_broken:  # the broken deliveries reached the parser, which refused some of them
        assert 400 in statuses, statuses


def test_the_meta_verification_answer_is_the_one_documented(
    api: tuple[LocalRuntime, str, str],
) -> None:
    _, base, _ = api
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"}
    response = requests.get(f"{base}/webhooks/meta", params=query, timeout=30)
    assert (response.status_code, response.text) == (200, "42")
    SCHEMA["/webhooks/meta"]["GET"].Case(query=query).validate_response(response, checks=CHECKS)
