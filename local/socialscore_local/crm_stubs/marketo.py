"""A stub of Marketo Engage's REST API on 127.0.0.1, for the tests and `make demo CRM=marketo`.

It answers as Marketo does (experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/
error-codes, .../marketo-integration-best-practices, .../authentication): HTTP 200 with the
error in the body, and the instance's limits enforced on its own clock:
- the Identity endpoint (`/identity/oauth/token`, client credentials) issues a token that lives
  3,600 s (asked again before it expires: the same token, with what is left); a wrong client
  is HTTP 401; a call without a token it issued is 601, with one past its life 602;
- 100 calls in any 20 s (the 101st: 606), 10 calls at once (the 11th: 615), a daily quota
  (50,000 by default; past it 607), shared with `others_today` calls of other integrations;
  calls answered 601/602 count against neither, as Adobe's table marks them;
- 300 records a batch, 1 MB a body (HTTP 413), skipped records with their reasons
  (`marketo_routes`).
It can be told to answer a code (`fail_next`), an HTTP status, to do a call and lose its answer
(`lose_answer_next`), and to take `latency` seconds a call. Its state is in memory: `leads`,
`activities`, `store.fields`, `store.types`.

    with MarketoStub() as marketo:
        marketo.seed_leads([1001, 1002])
        crm = MarketoCrm(lambda refresh: marketo.credentials)
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from socialscore_local.crm_stubs.loopback import Loopback
from socialscore_local.crm_stubs.marketo_routes import Store, failure

DROPPED = -1  # a lost answer: the connection closes before any reply
TOKEN_LIFE = 3600.0
WINDOW, WINDOW_CALLS = 20.0, 100
CONCURRENT = 10
MAX_BODY = 1024 * 1024


@dataclass
class Clock:
    """The stub's time, simulated: `sleep` moves it on (hand it to the adapter)."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


class WallClock(Clock):
    """Real time, for a stub a real client talks to (the demo): its waits are real sleeps."""

    def __call__(self) -> float:
        return time.monotonic()


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any
    code: str  # "" when it succeeded, else the error code or HTTP status it was answered


@dataclass
class MarketoStub:
    client_id: str = "stub-client"
    client_secret: str = "stub-secret"  # noqa: S105 (the stub's own, checked by it alone)
    quota: int = 50_000
    others_today: int = 0  # calls other integrations made today
    latency: float = 0.0  # seconds each call takes (through `sleep`)
    clock: Clock = field(default_factory=Clock)
    sleep: Callable[[float], None] = time.sleep
    store: Store = field(default_factory=Store)
    calls: list[Call] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry on `clock`
    token_requests: int = 0
    _window: deque[float] = field(default_factory=deque)
    _running: int = 0
    _today: int = 0
    _faults: list[tuple[int, dict[str, Any] | None]] = field(default_factory=list)
    _lost: list[bool] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loopback: Loopback = field(default_factory=Loopback)

    # --- state ---------------------------------------------------------------------------------
    def seed_leads(self, ids: Iterable[int]) -> None:
        with self._lock:
            for lead_id in ids:
                self.store.leads.setdefault(int(lead_id), {"id": int(lead_id)})

    def lead(self, lead_id: int) -> dict[str, Any] | None:
        with self._lock:
            found = self.store.leads.get(int(lead_id))
            return dict(found) if found is not None else None

    def activities(self, lead_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(a) for a in self.store.activities if lead_id in (None, a.get("leadId"))]

    @property
    def used_today(self) -> int:
        """Calls counted against the daily quota today, every integration's."""
        return self._today + self.others_today

    @property
    def credentials(self) -> dict[str, str]:
        """What an operator puts in the CrmCredentials secret for this instance."""
        return {
            "endpoint": self.url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    # --- control -------------------------------------------------------------------------------
    def fail_next(self, code: str, times: int = 1, after: int = 0) -> None:
        """Answer `times` calls with error `code` in a 200 body, once `after` more are answered."""
        self._faults.extend([(0, None)] * after + [(200, failure(code, "Stub"))] * times)

    def http_fail_next(self, status: int = 503, times: int = 1) -> None:
        self._faults.extend([(status, None)] * times)

    def lose_answer_next(self, times: int = 1) -> None:
        """Do what the next `times` calls ask and drop the connection before answering."""
        self._lost.extend([True] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far is past its life (602 from now on)."""
        self.tokens = dict.fromkeys(self.tokens, self.clock() - 1)

    def new_day(self) -> None:
        """12:00 AM CST: the daily quota starts again."""
        self._today = self.others_today = 0

    def hold(self, running: int) -> None:
        """`running` calls of other integrations are executing now (toward the 10 at once)."""
        self._running = running

    @property
    def url(self) -> str:
        return self._loopback.url

    def paths(self, suffix: str = "") -> list[str]:
        return [
            c.path.split("?", 1)[0] for c in self.calls if c.path.split("?")[0].endswith(suffix)
        ]

    # --- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> MarketoStub:
        self._loopback.start(_handler(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()

    def identity(self, form: Mapping[str, list[str]]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.token_requests += 1
            given = (form.get("client_id", [""])[0], form.get("client_secret", [""])[0])
            if form.get("grant_type", [""])[0] != "client_credentials" or given != (
                self.client_id,
                self.client_secret,
            ):
                return 401, {
                    "error": "invalid_client",
                    "error_description": "Bad client credentials",
                }
            now = self.clock()
            live = [t for t, expiry in self.tokens.items() if expiry > now]
            token = live[0] if live else f"{uuid.uuid4()}:int"
            self.tokens.setdefault(token, now + TOKEN_LIFE)
            left = int(self.tokens[token] - now)
            return 200, {"access_token": token, "token_type": "bearer", "expires_in": left}

    def answer(
        self, method: str, path: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        with self._lock:
            if self._running >= CONCURRENT:
                return self._done(
                    method, path, None, 200, failure("615", "Concurrent access limit reached")
                )
            self._running += 1
        try:
            if self.latency:
                self.sleep(self.latency)
            with self._lock:
                return self._answer(method, path, headers, raw)
        finally:
            with self._lock:
                self._running -= 1

    def _answer(
        self, method: str, path: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._done(method, path, None, 200, failure("609", "Invalid JSON"))
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return self._done(method, path, body, 200, failure("601", "Access token invalid"))
        if self.tokens[token] <= self.clock():
            return self._done(method, path, body, 200, failure("602", "Access token expired"))
        now = self.clock()
        while self._window and now - self._window[0] >= WINDOW:
            self._window.popleft()
        if len(self._window) >= WINDOW_CALLS:
            message = f"Max rate limit '{WINDOW_CALLS}' exceeded with in '{int(WINDOW)}' secs"
            return self._done(method, path, body, 200, failure("606", message))
        if self.used_today >= self.quota:
            return self._done(method, path, body, 200, failure("607", "Daily quota reached"))
        self._window.append(now)
        self._today += 1
        if len(raw) > MAX_BODY:
            return self._done(method, path, body, 413, None)
        fault = self._faults.pop(0) if self._faults else None
        if fault is not None and fault[0]:
            return self._done(method, path, body, fault[0], fault[1])
        document = self.store.route(method, path, body, self.used_today)
        if self._lost and self._lost.pop(0):
            return self._done(method, path, body, DROPPED, document)
        return self._done(method, path, body, 200, document)

    def _done(
        self, method: str, path: str, body: Any, status: int, document: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any] | None]:
        errors = (document or {}).get("errors") if status == 200 else None
        code = str(errors[0]["code"]) if errors else ("" if status == 200 else str(status))
        self.calls.append(Call(method, path, body, code))
        return status, document


def _handler(stub: MarketoStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body in two writes: without this, Nagle holds the body 40 ms a call.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            stub._loopback.accepted(self.connection)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path.split("?", 1)[0] == "/identity/oauth/token":
                query = self.path.partition("?")[2]
                form = parse_qs(raw.decode() if method == "POST" else query) or parse_qs(query)
                status, token = stub.identity(form)
                document: dict[str, Any] | None = token
            else:
                status, document = stub.answer(method, self.path, headers, raw)
            if status == DROPPED:
                self.close_connection = True
                return
            payload = b"" if document is None else json.dumps(document).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json;charset=UTF-8")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
