"""serve's access rules, in memory: which Host headers are this machine, what the token opens,
how the report's link hands its token over, where the emulator reads the key id, and where the
CLI finds the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialscore_local.access import Gate, loopback, token_in, write_private
from socialscore_local.emulator import access_key
from socialscore_ops.stack import TOKEN_VARIABLE, local_token

TOKEN = "t0ken-of-this-run_0123456789abcdefghijklmno"
GATE = Gate(TOKEN, ("/_local/", "/report"), "/report", 8787)
HOST = {"host": "127.0.0.1:8787"}


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8787", "localhost:8787", "LOCALHOST", "[::1]:8787", "[::1]"]
)
def test_loopback_names_are_this_machine(host: str) -> None:
    assert loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "attacker.example:8787",  # a rebound name
        "127.0.0.1.attacker.example",
        "localhost.attacker.example:8787",
        "127.0.0.2:8787",
        "0.0.0.0:8787",
        "localhost:8787@attacker.example",
        "[::1].attacker.example",
    ],
)
def test_any_other_host_is_not(host: str | None) -> None:
    assert not loopback(host)


def test_a_foreign_host_is_refused_even_with_the_token_and_on_webhooks() -> None:
    rebound = {"host": "attacker.example:8787", "authorization": f"Bearer {TOKEN}"}
    for path in ("/_local/stack", "/report", "/webhooks/smms", "/engage"):
        verdict = GATE.verdict(path, "", rebound)
        assert verdict is not None
        assert verdict.status == 403


def test_the_template_s_routes_need_no_token_and_serve_s_own_do() -> None:
    assert GATE.verdict("/webhooks/smms", "", HOST) is None
    for path in ("/_local/stack", "/_local/invoke/CrmSyncFunction", "/_local/scores", "/report"):
        verdict = GATE.verdict(path, "", HOST)
        assert verdict is not None
        assert verdict.status == 403
        assert TOKEN not in verdict.message
        assert GATE.verdict(path, "", HOST | {"authorization": f"Bearer {TOKEN}"}) is None
        wrong = HOST | {"authorization": f"Bearer {TOKEN[:-1]}x"}
        assert GATE.verdict(path, "", wrong) is not None


def test_the_report_s_link_becomes_a_strict_cookie_for_the_report_only() -> None:
    verdict = GATE.verdict("/report", f"as_of=2026-11-20&token={TOKEN}&period=7", HOST)
    assert verdict is not None
    assert verdict.status == 303
    assert verdict.headers["location"] == "/report?as_of=2026-11-20&period=7"
    assert verdict.headers["set-cookie"] == (
        f"socialscore_token_8787={TOKEN}; Path=/report; HttpOnly; SameSite=Strict"
    )
    with_cookie = HOST | {"cookie": f"a=b; socialscore_token_8787={TOKEN}"}
    assert GATE.verdict("/report", "period=7", with_cookie) is None
    assert GATE.verdict("/_local/stack", "", with_cookie) is not None  # not a route's key
    other_port = HOST | {"cookie": f"socialscore_token_9999={TOKEN}"}
    assert GATE.verdict("/report", "", other_port) is not None
    wrong = GATE.verdict("/report", "token=guess", HOST)
    assert wrong is not None
    assert wrong.status == 403


def test_the_token_leaves_a_query_and_the_rest_stays_verbatim() -> None:
    assert token_in("as_of=2026-11-20T00%3A00Z&token=abc&period=30") == (
        "abc",
        "as_of=2026-11-20T00%3A00Z&period=30",
    )
    assert token_in("period=30") == (None, "period=30")
    assert token_in("") == (None, "")


def test_the_emulator_reads_the_key_id_of_a_signed_call_and_of_a_presigned_link() -> None:
    # SigV4's Authorization header and a presigned URL's X-Amz-Credential (both as documented:
    # docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-authentication-methods.html).
    header = (
        f"AWS4-HMAC-SHA256 Credential={TOKEN}/20261206/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc"
    )
    assert access_key({"HTTP_AUTHORIZATION": header}) == TOKEN
    query = f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={TOKEN}%2F20261206%2Fus-east-1%2Fs3"
    assert access_key({"QUERY_STRING": query}) == TOKEN
    assert access_key({}) is None


def test_the_cli_takes_the_token_from_the_variable_then_the_file(tmp_path: Path) -> None:
    file = tmp_path / "token"
    assert local_token({}, file) is None
    write_private(file, "from-the-file")
    assert file.stat().st_mode & 0o777 == 0o600
    assert local_token({}, file) == "from-the-file"
    assert local_token({TOKEN_VARIABLE: " from-the-variable "}, file) == "from-the-variable"


def test_a_token_file_left_readable_is_made_owner_only(tmp_path: Path) -> None:
    file = tmp_path / "token"
    file.write_text("old")
    file.chmod(0o644)
    write_private(file, "new")
    assert file.stat().st_mode & 0o777 == 0o600
    assert file.read_text() == "new\n"
