"""The local HTTP server's framing, over raw sockets on 127.0.0.1: an oversized body gets its
413 (not a broken pipe), a body shorter than its Content-Length or one that trickles in gets a
408 in bounded time (not a thread blocked forever), and chunked bodies are decoded."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from socialscore_local import demo, server, webhooks
from socialscore_local.http_api import HttpAnswer
from socialscore_local.runtime import LocalRuntime

MAX_BYTES = 1024
SECONDS = 1.0  # a request's deadline: room for a whole body on a loaded machine
# The deadline of the tests that wait it out: each read is given only the time left to it
# (server.py), so a shorter one takes the same path, sooner.
WAITED_OUT = 0.3


class Echo:
    """Stands in for the runtime: records each body it is given and answers its size."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        query: str = "",
    ) -> HttpAnswer:
        self.bodies.append(body)
        return HttpAnswer(200, {}, json.dumps({"bytes": len(body)}).encode())


def serving(seconds: float) -> Iterator[tuple[Echo, int]]:
    runtime = Echo()
    httpd = server.http_server(
        cast(LocalRuntime, runtime), max_bytes=MAX_BYTES, request_seconds=seconds
    )
    try:
        yield runtime, httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def echo() -> Iterator[tuple[Echo, int]]:
    yield from serving(SECONDS)


@pytest.fixture
def hasty_echo() -> Iterator[tuple[Echo, int]]:
    yield from serving(WAITED_OUT)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def head(*lines: str) -> bytes:
    return (
        "\r\n".join(["POST /webhooks/smms HTTP/1.1", "Host: 127.0.0.1", *lines]) + "\r\n\r\n"
    ).encode()


def answer(sock: socket.socket) -> tuple[int, dict[str, str], Any]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    return response.status, headers, json.loads(body) if body else None


def closed(sock: socket.socket) -> bool:
    """Whether the server closed the connection after its answer."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def chunked(*parts: bytes, trailer: bytes = b"") -> bytes:
    return (
        b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n" + trailer + b"\r\n"
    )


def test_an_oversized_body_gets_its_413_not_a_broken_pipe(echo: tuple[Echo, int]) -> None:
    runtime, port = echo
    body = b"x" * (4 * 1024 * 1024)  # far more than the socket buffers hold
    with connect(port) as sock:
        sock.sendall(head(f"Content-Length: {len(body)}") + body)  # no EPIPE, no reset
        status, headers, payload = answer(sock)
        assert (status, payload) == (413, {"message": "Request Entity Too Large"})
        assert headers["connection"] == "close"
        assert closed(sock)
    assert runtime.bodies == []


def test_an_http_client_posting_an_oversized_body_reads_the_413(echo: tuple[Echo, int]) -> None:
    _, port = echo
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/webhooks/smms", body=b"{" * (2 * 1024 * 1024))
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (
        413,
        {"message": "Request Entity Too Large"},
    )
    connection.close()


def test_a_client_that_expects_100_continue_gets_the_413_before_sending(
    echo: tuple[Echo, int],
) -> None:
    _, port = echo
    with connect(port) as sock:
        sock.sendall(head("Content-Length: 1048576", "Expect: 100-continue"))
        status, headers, _ = answer(sock)
        assert status == 413
        assert headers["connection"] == "close"


def test_a_client_that_expects_100_continue_may_send_a_body_that_fits(
    echo: tuple[Echo, int],
) -> None:
    runtime, port = echo
    with connect(port) as sock:
        sock.sendall(head("Content-Length: 5", "Expect: 100-continue"))
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            interim += sock.recv(1)
        assert interim.startswith(b"HTTP/1.1 100")
        sock.sendall(b"hello")
        assert answer(sock)[0] == 200
    assert runtime.bodies == [b"hello"]


def test_a_body_shorter_than_its_content_length_is_a_408_in_bounded_time(
    hasty_echo: tuple[Echo, int],
) -> None:
    runtime, port = hasty_echo
    with connect(port) as sock:
        started = time.monotonic()
        sock.sendall(head("Content-Length: 100") + b"only ten b")
        status, headers, payload = answer(sock)
        elapsed = time.monotonic() - started
        assert (status, payload) == (408, {"message": "Request Timeout"})
        assert headers["connection"] == "close"
        assert WAITED_OUT * 0.9 <= elapsed < WAITED_OUT + 3
        assert closed(sock)
    assert runtime.bodies == []


def test_a_body_that_trickles_in_is_cut_off_at_the_deadline(
    hasty_echo: tuple[Echo, int],
) -> None:
    _, port = hasty_echo
    with connect(port) as sock:
        sock.sendall(head("Content-Length: 200"))
        stop = threading.Event()

        def trickle() -> None:  # one byte well within each socket timeout, for ever
            while not stop.wait(WAITED_OUT / 5):
                try:
                    sock.send(b"x")
                except OSError:
                    return

        dripping = threading.Thread(target=trickle, daemon=True)
        started = time.monotonic()
        dripping.start()
        try:
            assert answer(sock)[0] == 408
            assert time.monotonic() - started < WAITED_OUT + 3
        finally:
            stop.set()
            dripping.join()


def test_a_body_ended_early_by_the_client_is_a_400(echo: tuple[Echo, int]) -> None:
    runtime, port = echo
    with connect(port) as sock:
        sock.sendall(head("Content-Length: 100") + b"short")
        sock.shutdown(socket.SHUT_WR)
        assert answer(sock)[0] == 400
    assert runtime.bodies == []


def test_a_chunked_body_is_decoded_and_the_connection_stays_usable(
    echo: tuple[Echo, int],
) -> None:
    runtime, port = echo
    body = chunked(b'{"events":', b"[]", b"}", trailer=b"X-Checksum: abc\r\n")
    with connect(port) as sock:
        sock.sendall(head("Transfer-Encoding: chunked") + body)
        assert answer(sock)[0] == 200
        # The next request on the same connection parses: the chunked body was read exactly.
        sock.sendall(head("Content-Length: 2") + b"{}")
        assert answer(sock)[0] == 200
    assert runtime.bodies == [b'{"events":[]}', b"{}"]


def test_http_client_chunked_uploads_arrive_whole(echo: tuple[Echo, int]) -> None:
    runtime, port = echo
    parts = [bytes([n]) * 100 for n in range(7)]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/webhooks/smms", body=iter(parts), encode_chunked=True)
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (200, {"bytes": 700})
    connection.close()
    assert runtime.bodies == [b"".join(parts)]


def test_a_chunked_body_over_the_limit_gets_its_413(echo: tuple[Echo, int]) -> None:
    runtime, port = echo
    with connect(port) as sock:
        sock.sendall(head("Transfer-Encoding: chunked") + chunked(*[b"y" * 600] * 50))
        status, headers, _ = answer(sock)
        assert (status, headers["connection"]) == (413, "close")
    assert runtime.bodies == []


@pytest.mark.parametrize(
    ("lines", "body", "status"),
    [
        (["Content-Length: abc"], b"", 400),
        (["Content-Length: -1"], b"", 400),
        (["Content-Length: 1", "Content-Length: 2"], b"ab", 400),
        (["Content-Length: " + "9" * 30], b"", 413),
        (["Transfer-Encoding: chunked", "Content-Length: 4"], b"4\r\nabcd\r\n0\r\n\r\n", 400),
        (["Transfer-Encoding: gzip"], b"", 501),
        (["Transfer-Encoding: chunked"], b"zz\r\nabcd\r\n0\r\n\r\n", 400),
        (["Transfer-Encoding: chunked"], b"2\r\nabcd\r\n0\r\n\r\n", 400),
        (["Transfer-Encoding: chunked"], b"1" * 5000 + b"\r\n", 400),
    ],
    ids=[
        "length-not-a-number",
        "length-negative",
        "two-lengths",
        "length-beyond-reason",
        "chunked-and-length",
        "unknown-coding",
        "chunk-size-not-hex",
        "chunk-longer-than-its-size",
        "chunk-line-too-long",
    ],
)
def test_malformed_framing_is_refused_and_the_connection_closed(
    echo: tuple[Echo, int], lines: list[str], body: bytes, status: int
) -> None:
    runtime, port = echo
    with connect(port) as sock:
        sock.sendall(head(*lines) + body)
        got, headers, _ = answer(sock)
        assert (got, headers["connection"]) == (status, "close")
    assert runtime.bodies == []


def test_a_chunked_signed_webhook_goes_through_the_runtime(tmp_path: Path) -> None:
    event = {
        "type": "interaction",
        "id": "chunked-like",
        "network": "x",
        "kind": "like",
        "actor_id": "555000222",
        "target_permalink": "https://x.com/acmeinsights/status/1845977812345678848",
        "occurred_at": "2026-11-20T10:00:00Z",
    }
    body = json.dumps({"events": [event]}).encode()
    with demo.runtime(tmp_path) as rt:
        secret = demo.seed(rt)
        httpd = server.http_server(rt)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1])
            halves = [body[: len(body) // 2], body[len(body) // 2 :]]
            connection.request(
                "POST",
                "/webhooks/smms",
                body=iter(halves),
                headers=webhooks.signed(secret, body),
                encode_chunked=True,
            )
            response = connection.getresponse()
            assert (response.status, json.loads(response.read())) == (202, {"accepted": 1})
            connection.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
