"""A web page the developer visits cannot drive serve: the browser's attacks, replayed over
HTTP against serve's server and its AWS emulator (in process, on 127.0.0.1), each refused with a
403 that hands out nothing; the CLI's own way in (the token) still works.

- DNS rebinding: the page's host name now points at 127.0.0.1, so its requests arrive on
  loopback naming the page's host (Host: attacker.example:PORT);
- a cross-site `text/plain` POST (a "simple" request: no preflight, the browser sends it and
  only hides the answer);
- a call to the emulator from a page: its preflight, and the call itself with an Origin and a
  signature made with any key;
- the emulator's address, asked for without the token.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from socialscore_local import demo, server
from socialscore_local.ops_bridge import LOCAL_SCORES, Bridge
from socialscore_local.runtime import LocalRuntime

ATTACKER = "attacker.example"
PAGE = f"http://{ATTACKER}"
ANY_KEY = "AKIAIOSFODNN7EXAMPLE"
# SigV4 as any SDK signs it: "Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<date>/
# <region>/<service>/aws4_request, SignedHeaders=..., Signature=..." (the sample of
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-authentication-methods.html);
# moto checks no signature, so the key id is what counts.
SIGNED = (
    "AWS4-HMAC-SHA256 Credential={key}/20261206/us-east-1/secretsmanager/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)
LIST_SECRETS = {
    "X-Amz-Target": "secretsmanager.ListSecrets",
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Date": "20261206T120000Z",
}


@dataclass
class Serving:
    rt: LocalRuntime
    port: int
    token: str
    emulator_port: int


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serving]:
    with demo.runtime(tmp_path_factory.mktemp("attacks")) as rt:
        bridge = Bridge(rt)
        httpd = server.http_server(rt, bridge=bridge)
        try:
            port = urlsplit(bridge.endpoint).port
            assert port is not None
            yield Serving(rt, httpd.server_address[1], bridge.token, port)
        finally:
            httpd.shutdown()
            httpd.server_close()
            bridge.close()


def call(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers (Host included: http.client adds none then)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def local(s: Serving) -> str:
    return f"127.0.0.1:{s.port}"


def rebound(s: Serving) -> str:
    return f"{ATTACKER}:{s.port}"


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/_local/stack", "GET"),
        (LOCAL_SCORES, "GET"),
        ("/report", "GET"),
        ("/engage?limit=5", "GET"),
        ("/webhooks/smms", "POST"),
    ],
)
def test_a_rebound_host_is_refused_on_every_route(serving: Serving, path: str, method: str) -> None:
    # The page's own name, pointed at 127.0.0.1; even the token would not get it through.
    bearer = {"Authorization": f"Bearer {serving.token}"}
    status, _, body = call(serving.port, method, path, {"Host": rebound(serving)} | bearer)
    assert status == 403
    assert str(serving.emulator_port).encode() not in body


def test_a_cross_site_text_plain_post_runs_no_function(serving: Serving) -> None:
    before = serving.rt.invocations["CrmSyncFunction"]
    headers = {
        "Host": local(serving),
        "Origin": PAGE,
        "Content-Type": "text/plain;charset=UTF-8",
        "Sec-Fetch-Site": "cross-site",
    }
    status, _, _ = call(serving.port, "POST", "/_local/invoke/CrmSyncFunction", headers, b"{}")
    assert status == 403
    assert serving.rt.invocations["CrmSyncFunction"] == before  # nothing ran


def test_the_emulator_s_address_is_not_handed_out_without_the_token(serving: Serving) -> None:
    status, _, body = call(serving.port, "GET", "/_local/stack", {"Host": local(serving)})
    assert status == 403
    assert str(serving.emulator_port).encode() not in body
    status, _, body = call(
        serving.port, "GET", "/_local/stack", {"Host": local(serving), "Origin": PAGE}
    )
    assert status == 403
    status, _, _ = call(
        serving.port,
        "GET",
        "/_local/stack",
        {"Host": local(serving), "Authorization": "Bearer guess"},
    )
    assert status == 403


def test_the_emulator_answers_no_preflight_and_no_call_from_a_page(serving: Serving) -> None:
    preflight = {
        "Host": f"127.0.0.1:{serving.emulator_port}",
        "Origin": PAGE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-amz-target",
    }
    status, headers, _ = call(serving.emulator_port, "OPTIONS", "/", preflight)
    assert status == 403
    assert not [h for h in headers if h.startswith("access-control-")]

    # The call itself, signed with any key, from the page; then with serve's token as the key:
    # a page that somehow had it still sends its Origin.
    for key in (ANY_KEY, serving.token):
        headers_sent = LIST_SECRETS | {
            "Host": f"127.0.0.1:{serving.emulator_port}",
            "Origin": PAGE,
            "Authorization": SIGNED.format(key=key),
        }
        status, headers, body = call(serving.emulator_port, "POST", "/", headers_sent, b"{}")
        assert status == 403
        assert not [h for h in headers if h.startswith("access-control-")]
        assert b"SecretList" not in body


def test_the_emulator_refuses_any_other_key_and_a_rebound_host(serving: Serving) -> None:
    own = {"Host": f"127.0.0.1:{serving.emulator_port}"}
    status, _, _ = call(
        serving.emulator_port,
        "POST",
        "/",
        LIST_SECRETS | own | {"Authorization": SIGNED.format(key=ANY_KEY)},
        b"{}",
    )
    assert status == 403
    rebound_host = {"Host": f"{ATTACKER}:{serving.emulator_port}"}
    status, _, _ = call(
        serving.emulator_port,
        "POST",
        "/",
        LIST_SECRETS | rebound_host | {"Authorization": SIGNED.format(key=serving.token)},
        b"{}",
    )
    assert status == 403


def test_the_cli_s_way_in_still_works(serving: Serving) -> None:
    """The token as a bearer to serve and as the key id to the emulator: what the CLI does."""
    status, _, body = call(
        serving.port,
        "GET",
        "/_local/stack",
        {"Host": local(serving), "Authorization": f"Bearer {serving.token}"},
    )
    assert status == 200
    assert json.loads(body)["endpoint"] == f"http://127.0.0.1:{serving.emulator_port}"
    signed = LIST_SECRETS | {
        "Host": f"127.0.0.1:{serving.emulator_port}",
        "Authorization": SIGNED.format(key=serving.token),
    }
    status, headers, body = call(serving.emulator_port, "POST", "/", signed, b"{}")
    assert status == 200
    assert "SecretList" in json.loads(body)
    assert not [h for h in headers if h.startswith("access-control-")]  # moto's CORS, dropped


def test_the_report_takes_its_token_once_then_a_strict_cookie(serving: Serving) -> None:
    host = {"Host": f"localhost:{serving.port}"}
    status, _, _ = call(serving.port, "GET", "/report?period=30", host)
    assert status == 403
    status, _, _ = call(serving.port, "GET", "/report?token=guess&period=30", host)
    assert status == 403

    status, headers, _ = call(serving.port, "GET", f"/report?token={serving.token}&period=30", host)
    assert status == 303
    assert headers["location"] == "/report?period=30"  # the token leaves the address bar
    cookie = headers["set-cookie"]
    name_value, *flags = [part.strip() for part in cookie.split(";")]
    assert name_value == f"socialscore_token_{serving.port}={serving.token}"
    assert {"HttpOnly", "SameSite=Strict", "Path=/report"} <= set(flags)

    status, _, page = call(
        serving.port, "GET", "/report?period=30", host | {"Cookie": f"other=1; {name_value}"}
    )
    assert status == 200
    assert page.startswith(b"<!doctype html>")
    assert serving.token.encode() not in page  # never reflected in the page
    # The cookie opens the report only: not serve's other routes.
    status, _, _ = call(serving.port, "GET", "/_local/stack", host | {"Cookie": name_value})
    assert status == 403


def test_webhooks_stay_open_on_loopback(serving: Serving) -> None:
    # Signed, not token-guarded: an unsigned one reaches ingest, which answers 401.
    status, _, _ = call(
        serving.port,
        "POST",
        "/webhooks/smms",
        {"Host": local(serving), "Content-Type": "application/json"},
        b"{}",
    )
    assert status == 401
