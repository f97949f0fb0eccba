"""The local runtime's HTTP API on 127.0.0.1, and the background pollers of serve mode."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from socialscore_local.runtime import LocalRuntime

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
log = logging.getLogger("socialscore_local")


def http_server(runtime: LocalRuntime, port: int = 0) -> ThreadingHTTPServer:
    """Serve the template's HTTP routes on 127.0.0.1:port (0 picks a free port) in a thread."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_REQUEST_BYTES:
                self._reply(413, b'{"message":"Request Entity Too Large"}', {})
                return
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            answer = runtime.request(self.command, path, dict(self.headers.items()), body, query)
            self._reply(answer.status, answer.body, answer.headers)

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

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="http").start()
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
