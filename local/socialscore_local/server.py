"""The local runtime's HTTP API on 127.0.0.1, and the background pollers of serve mode.

Every request must name a loopback host; with a bridge, its routes need the run's token
(access.py)."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from socialscore_local import access
from socialscore_local.ops_bridge import REPORT, Bridge
from socialscore_local.runtime import LocalRuntime

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
# A request's whole body must arrive within this: a client that stalls, or declares more than
# it sends, would otherwise hold a server thread forever.
REQUEST_SECONDS = 10.0
# After refusing a body, read and drop what the client is still sending: a client writes the
# whole body before it reads the answer, and a socket closed on unread data resets the
# connection, so the client would see a broken pipe instead of the 413. Bounded, so that no
# client holds a thread with it.
DRAIN_BYTES = 64 * 1024 * 1024
DRAIN_SECONDS = 5.0
# serve's pollers run a queue batch of one message, a pack of up to 100 interactions: an API
# request waits for no more than one such batch to end (the template's 10 packs ran 10x longer).
SERVE_BATCH = 1
MAX_CHUNK_LINE = 4096  # a chunk-size line or a trailer field
MAX_TRAILERS = 64
log = logging.getLogger("socialscore_local")


class Refused(Exception):
    """A request refused before it reaches the API, as API Gateway refuses it: the status, API
    Gateway's message, and how many bytes of body may still be on their way (unknown: as many
    as a drain takes)."""

    def __init__(self, status: int, message: str, unread: int = DRAIN_BYTES) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.unread = unread


def http_server(
    runtime: LocalRuntime,
    port: int = 0,
    *,
    max_bytes: int = MAX_REQUEST_BYTES,
    request_seconds: float = REQUEST_SECONDS,
    bridge: Bridge | None = None,
    listening: socket.socket | None = None,
) -> ThreadingHTTPServer:
    """Serve the template's HTTP routes on 127.0.0.1:port (0 picks a free port; or on a
    listening socket) in a thread; with a bridge, its routes for the ops CLI and the report
    too."""

    refused: Counter[str] = Counter()  # requests refused by serve's access rules, by reason

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = request_seconds  # also bounds the wait for a kept-alive connection's next request

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            try:
                redirect = self._admit(path, query)
                body = self._body()
            except Refused as refused:
                self._refuse(refused)
                return
            except ConnectionError:  # the client went away mid-request: nobody to answer
                self.close_connection = True
                return
            if redirect is not None:
                self._reply(redirect.status, b"", redirect.headers)
                return
            if bridge is not None and path == REPORT:
                query = access.token_in(query)[1]  # the page never shows it again
            answer = bridge.answer(self.command, path, body, query) if bridge else None
            if answer is None:
                answer = runtime.request(
                    self.command, path, dict(self.headers.items()), body, query
                )
            self._reply(answer.status, answer.body, answer.headers)

        def _admit(self, path: str, query: str) -> access.Verdict | None:
            """Refuse a foreign Host, and a bridge route without the token (access.py); the
            report's redirect when its link brought the token."""
            headers = {k.lower(): v for k, v in self.headers.items()}
            verdict = gate.verdict(path, query, headers)
            if verdict is None or verdict.status < 400:
                return verdict
            refused[verdict.message] += 1
            log.warning(
                "refused %s %s: %s (%d so far)",
                self.command,
                path,
                verdict.message,
                refused[verdict.message],
            )
            raise Refused(verdict.status, verdict.message)

        def handle_expect_100(self) -> bool:
            # A client that asks first gets the 413 before it sends the body.
            try:
                self._admit(*self.path.partition("?")[::2])
                length = self._content_length()
                if length is not None and length > max_bytes:
                    raise Refused(413, "Request Entity Too Large", length)
            except Refused as refused:
                self._refuse(refused)
                return False
            return super().handle_expect_100()

        # --- the body, framed by Content-Length or chunked -----------------------------------
        def _body(self) -> bytes:
            deadline = time.monotonic() + request_seconds
            try:
                encoding = self.headers.get("transfer-encoding")
                length = self._content_length()
                if encoding is not None:
                    if length is not None:  # two framings: a request smuggler's favourite
                        raise Refused(400, "Bad Request")
                    if encoding.strip().lower() != "chunked":
                        raise Refused(501, "Not Implemented")
                    return self._chunked(deadline)
                if length is None:
                    return b""
                if length > max_bytes:
                    raise Refused(413, "Request Entity Too Large", length)
                return self._exactly(length, deadline)
            finally:
                self.connection.settimeout(request_seconds)

        def _content_length(self) -> int | None:
            values = {v.strip() for v in self.headers.get_all("content-length") or []}
            if not values:
                return None
            value = values.pop() if len(values) == 1 else ""
            if not (value.isascii() and value.isdigit()):
                raise Refused(400, "Bad Request")
            if len(value) > 18:  # past any body, and past what int() reads from a string
                raise Refused(413, "Request Entity Too Large")
            return int(value)

        def _chunked(self, deadline: float) -> bytes:
            body = bytearray()
            while True:
                line = self._line(deadline)
                digits = line.split(b";", 1)[0].strip()  # extensions after ";" mean nothing here
                if not re.fullmatch(rb"[0-9A-Fa-f]{1,15}", digits):
                    raise Refused(400, "Bad Request")
                size = int(digits, 16)
                if size == 0:
                    break
                if len(body) + size > max_bytes:
                    raise Refused(413, "Request Entity Too Large")
                body += self._exactly(size, deadline)
                if self._line(deadline).strip():
                    raise Refused(400, "Bad Request")  # chunk data longer than its size
            for _ in range(MAX_TRAILERS):
                if not self._line(deadline).strip():
                    return bytes(body)
            raise Refused(400, "Bad Request")

        def _exactly(self, size: int, deadline: float) -> bytes:
            parts: list[bytes] = []
            while size > 0:
                part = self._timed(deadline, self.rfile.read1, min(size, 65536))
                if not part:
                    raise Refused(400, "Bad Request")  # the client ended the body early
                parts.append(part)
                size -= len(part)
            return b"".join(parts)

        def _line(self, deadline: float) -> bytes:
            reader = self.rfile
            assert isinstance(reader, io.BufferedReader)
            line = b""
            while not line.endswith(b"\n"):
                if len(line) > MAX_CHUNK_LINE:
                    raise Refused(400, "Bad Request")
                ahead = self._timed(deadline, reader.peek, 1)
                if not ahead:
                    raise Refused(400, "Bad Request")
                end = ahead.find(b"\n")
                line += reader.read(len(ahead) if end < 0 else end + 1)  # buffered: no wait
            return line

        def _timed(self, deadline: float, read: Callable[[int], bytes], size: int) -> bytes:
            """One read from the socket, given only the time left to the deadline."""
            left = deadline - time.monotonic()
            if left <= 0:
                raise Refused(408, "Request Timeout", unread=0)
            self.connection.settimeout(left)
            try:
                return read(size)
            except TimeoutError:
                # A client this slow gets no more time to send the rest.
                raise Refused(408, "Request Timeout", unread=0) from None

        # --- answers -------------------------------------------------------------------------
        def _refuse(self, refused: Refused) -> None:
            self.close_connection = True
            body = json.dumps({"message": refused.message}).encode()
            try:
                self._reply(refused.status, body, {"connection": "close"})
            except OSError:
                return
            if refused.unread:
                self._drain(refused.unread)

        def _drain(self, unread: int) -> None:
            left = min(unread, DRAIN_BYTES)
            deadline = time.monotonic() + DRAIN_SECONDS
            try:
                self.connection.shutdown(socket.SHUT_WR)  # the answer is complete: say so
                while left > 0 and (seconds := deadline - time.monotonic()) > 0:
                    self.connection.settimeout(seconds)
                    dropped = self.rfile.read1(min(left, 65536))
                    if not dropped:
                        return
                    left -= len(dropped)
            except OSError:  # the client hung up or stalled: nothing more to do for it
                return

        def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name != "content-length":
                    self.send_header(name, value)
            if "content-type" not in headers:
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: object) -> None:
            log.info("%s %s", self.address_string(), format % args)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler, bind_and_activate=False)
    if listening is None:
        server.server_bind()
        server.server_activate()
    else:
        server.socket.close()
        server.socket = listening
        server.server_address = listening.getsockname()
    gate = access.Gate(
        bridge.token if bridge else access.new_token(),
        bridge.guarded if bridge else (),
        REPORT,
        server.server_address[1],
    )
    # shutdown() waits for serve_forever's next look at its flag: 0.5 s by default, each time
    threading.Thread(target=lambda: server.serve_forever(0.05), daemon=True, name="http").start()
    return server


def url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def background(runtime: LocalRuntime, stop: threading.Event, poll_seconds: float = 0.2) -> None:
    """Drain the queues continuously and run each scheduled function on its rate()."""
    scheduled = {
        fn.logical_id: runtime.schedule_seconds(fn.logical_id)
        for fn in runtime.functions.values()
        if fn.schedules
    }
    next_run = {name: datetime.now(UTC).timestamp() + every for name, every in scheduled.items()}
    runtime.longest_batch = SERVE_BATCH

    def loop() -> None:
        while not stop.is_set():
            try:
                runtime.drain()
                now = datetime.now(UTC).timestamp()
                for name, due in next_run.items():
                    if now >= due:
                        log.info("%s: %s", name, json.dumps(runtime.run_schedule(name)))
                        next_run[name] = now + scheduled[name]
            except Exception:
                log.exception("background poller")
            stop.wait(poll_seconds)

    threading.Thread(target=loop, daemon=True, name="pollers").start()
