"""A stub URL shortener on 127.0.0.1 (t.co, lnkd.in, ...), for the short-link resolver's tests.

It answers by (Host, path): a status and a Location, with a body of `body_size` bytes, and
keeps connections alive as shorteners do. It records every (host, path) asked, the header
names of every request, and the TCP connections it accepted, so a test can see a client's
pooling and that no credential is sent.

    with Shortener() as t_co:
        t_co.routes[("t.co", "/AbC123")] = (301, "https://x.com/acme/status/1")
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from socialscore_local.crm_stubs.loopback import Loopback

HOSTS = ["t.co", "lnkd.in", "vm.tiktok.com", "www.instagram.com"]


@dataclass
class Shortener:
    routes: dict[tuple[str, str], tuple[int, str | None]] = field(default_factory=dict)
    body_size: int = 0
    asked: list[tuple[str, str]] = field(default_factory=list)
    header_names: list[set[str]] = field(default_factory=list)
    connections: list[socket.socket] = field(default_factory=list)
    _loopback: Loopback = field(default_factory=Loopback)

    @property
    def url(self) -> str:
        return self._loopback.url

    def endpoints(self) -> dict[str, str]:
        """Every shortener host this stub stands in for -> where to connect."""
        return dict.fromkeys(HOSTS, self.url)

    def __enter__(self) -> Shortener:
        self._loopback.start(_handler(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()


def _handler(stub: Shortener) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            stub.connections.append(self.connection)
            stub._loopback.accepted(self.connection)

        def do_GET(self) -> None:
            key = (self.headers.get("Host", ""), self.path)
            stub.asked.append(key)
            stub.header_names.append({name.lower() for name in self.headers})
            status, location = stub.routes.get(key, (404, None))
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(stub.body_size))
            self.end_headers()
            try:
                for _ in range(stub.body_size // 65536):
                    self.wfile.write(b"x" * 65536)
                self.wfile.write(b"x" * (stub.body_size % 65536))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client did not want the page

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
