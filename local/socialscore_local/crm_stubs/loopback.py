"""The life of a stub API server on 127.0.0.1: started on a free port, stopped at once even while
a pooling client keeps its connections open."""

from __future__ import annotations

import selectors
import socket
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a pooling client keeps its connection open
    timeout = 0  # handle_request() in Loopback's loop: never wait, the loop has waited

    def get_request(self) -> tuple[socket.socket, Any]:
        # No Nagle: a handler writes its headers, then its body, and the body waited for the
        # client's delayed ACK of the headers (40 ms on Linux) on every answer of a kept-alive
        # connection after its first: 40 ms a call that no real API adds.
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address


class Loopback:
    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._serving: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = _Server(("127.0.0.1", 0), handler)
        # The serving loop waits on the listening socket and on this pair's reading end, which
        # stop() writes to: it wakes at once, where serve_forever's shutdown() waited for its
        # next poll (every test's teardown paid up to a poll interval, 40 ms seen on average).
        self._wake, self._waker = socket.socketpair()
        self._serving = threading.Thread(target=self._serve, args=(self._server,), daemon=True)
        self._serving.start()

    def _serve(self, server: ThreadingHTTPServer) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(server, selectors.EVENT_READ)
            selector.register(self._wake, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake in ready:
                    return
                server.handle_request()  # accepts one connection; its handler runs on a thread

    def accepted(self, sock: socket.socket) -> None:
        """A handler's connection: shut at stop, so its thread ends."""
        with self._lock:
            self._sockets.append(sock)

    def stop(self) -> None:
        assert self._server is not None
        assert self._serving is not None
        self._waker.send(b"x")
        self._serving.join()
        with self._lock:
            kept_alive = list(self._sockets)
        for sock in kept_alive:  # ends the handler threads waiting on kept-alive connections
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._wake.close()
        self._waker.close()
