"""The life of a stub API server on 127.0.0.1: started on a free port, stopped at once even while
a pooling client keeps its connections open."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Loopback:
    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a pooling client keeps its connection open
        # A short poll: shutdown() waits up to one interval, at every test's teardown.
        serve = partial(self._server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, daemon=True).start()

    def accepted(self, sock: socket.socket) -> None:
        """A handler's connection: shut at stop, so its thread ends."""
        with self._lock:
            self._sockets.append(sock)

    def stop(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        with self._lock:
            kept_alive = list(self._sockets)
        for sock in kept_alive:  # ends the handler threads waiting on kept-alive connections
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
