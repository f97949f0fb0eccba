"""The wire side of the Salesforce stub: a threaded JSON server on 127.0.0.1 (an ephemeral port)
that keeps connections alive, as a pooling client expects, and closes them all on exit; the
requests it recorded; Salesforce's error shape."""

from __future__ import annotations

import json
import socket
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

from socialscore_local.crm_stubs.loopback import Loopback

DROPPED = 0  # the status that closes the connection without answering

# What an injected failure answers, as Salesforce words it.
FAILURES = {
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId."),
    503: ("SERVER_UNAVAILABLE", "Server is unavailable, please try again later."),
}


@dataclass(frozen=True)
class Call:
    """One request the stub answered (a token request included), for assertions."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str

    @property
    def kind(self) -> str:
        if self.path.endswith("/oauth2/token"):
            return "token"
        if "/jobs/ingest" in self.path:
            return "bulk"
        return "query" if "/query" in self.path else "collection"


class Csv(str):
    """An answer sent as text/csv (a Bulk job's results), not JSON."""


NO_BODY = object()  # an answer with no body at all (201 to a Bulk job's upload)


def errors(code: str, message: str) -> list[dict[str, str]]:
    """Salesforce's error body: a list of {message, errorCode}."""
    return [{"message": message, "errorCode": code}]


def read_json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class LoopbackJsonServer:
    """Serves `answer(method, target, headers, body) -> (status, JSON document, headers)`;
    status DROPPED closes the connection instead."""

    _loopback: Loopback

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return self._loopback.url

    def __enter__(self) -> Self:
        self._loopback = Loopback()
        self._loopback.start(_handler(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()


def _handler(server: LoopbackJsonServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one write, flushed after each request: two small writes on
        # a kept-alive connection would wait on the client's delayed ACK (40 ms a call).
        wbufsize = 64 * 1024

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server._loopback.accepted(self.connection)

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, document, extra = server.answer(self.command, self.path, headers, body)
            if status == DROPPED:
                self.close_connection = True
                with suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if document is NO_BODY:
                payload, kind = b"", "text/plain"
            elif isinstance(document, Csv):
                payload, kind = document.encode(), "text/csv"
            else:
                payload, kind = json.dumps(document).encode(), "application/json;charset=UTF-8"
            try:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
