"""A stub of the HubSpot CRM API on 127.0.0.1, for the tests and `make demo --crm hubspot`.

It answers like HubSpot where socialscore depends on it (see `hubspot_routes`), checks the
private app token (401 in HubSpot's error shape; `rotate_token` revokes the old one), and can be
told to answer a 429 with a `policyName` (TEN_SECONDLY_ROLLING or DAILY), a 5xx or a redirect,
to reject one input of a batch (a 207), to change a record while a client pages, to do what a
call asked and lose the answer (`lose_answer_next`: a dropped connection or a gateway's 5xx), to
take `latency` seconds a call (through `sleep`, which a test makes a simulated clock's), and to
index writes for search late (`index_late`; every write `store.index_lag` late, 2 s by default).
Unasked, it answers a search past `search_rate` (5) in a second of the store's clock with a 429,
as HubSpot does: "The search endpoints are rate limited to five requests per second per account"
(developers.hubspot.com/docs/api-reference/search/guide); its body names the SECONDLY policy
(`policyName` "will indicate which limit you hit (either daily or secondly)", and search answers
carry no rate-limit headers: developers.hubspot.com/docs/api/usage-details). Its state is in
memory and is read back with `contact`, `deal`, `influence`, `tasks`, `tickets` and
`gdpr_deleted`.

    with HubSpotStub() as hubspot:
        hubspot.seed(deals=[...], contacts=[...])
        crm = HubSpotCrm(lambda refresh: hubspot.token, hubspot.url)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from socialscore_local.crm_stubs.hubspot_api import Reply, Store, correlation, error, iso
from socialscore_local.crm_stubs.hubspot_routes import route
from socialscore_local.crm_stubs.hubspot_timeline import Timeline
from socialscore_local.crm_stubs.loopback import Loopback

INFLUENCE = "socialscore_influence"
DROPPED = -1  # a lost answer: the connection closes before any reply


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any
    status: int


@dataclass
class HubSpotStub:
    token: str = "pat-na1-stub-token"  # noqa: S105 (the stub's own, checked by it alone)
    search_cap: int = 10_000  # HubSpot's: no search result past the 10,000th
    association_page: int = 500  # associations one batch read answers per record
    latency: float = 0.0  # seconds each call takes before it is answered
    search_rate: int = 5  # HubSpot's: searches a second, per account
    sleep: Callable[[float], None] = time.sleep
    store: Store = field(default_factory=Store)
    timeline: Timeline = field(default_factory=Timeline)  # the public app's (activities)
    calls: list[Call] = field(default_factory=list)
    _faults: list[tuple[int, Any, dict[str, str]] | None] = field(default_factory=list)
    _lost: list[int | None] = field(default_factory=list)  # None: answered; else see LOST
    _daily_after: int | None = None
    _searches: list[datetime] = field(default_factory=list)  # when the last ones were answered
    _actions: dict[int, Callable[[], None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loopback: Loopback = field(default_factory=Loopback)

    # --- state ---------------------------------------------------------------------------------
    def seed(
        self, deals: Iterable[Mapping[str, Any]] = (), contacts: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        """Contacts as {"id", "owner"?, other properties}; deals shaped like an Opportunity
        ({"id", "contact_ids", "amount", "currency", "created_at", "modified_at", "stage"};
        amount or currency None: absent). A contact a deal names is created if need be."""
        with self._lock:
            for contact in contacts:
                extra = {k: v for k, v in contact.items() if k not in ("id", "owner")}
                owner = {"hubspot_owner_id": contact["owner"]} if contact.get("owner") else {}
                self.store.put("contacts", str(contact["id"]), extra | owner, touch=False)
            for deal in deals:
                deal_id = str(deal["id"])
                properties = {
                    "amount": deal.get("amount"),
                    "deal_currency_code": deal.get("currency"),
                    "createdate": _iso(deal.get("created_at") or deal["modified_at"]),
                    "hs_lastmodifieddate": _iso(deal["modified_at"]),
                    "dealstage": deal.get("stage") or "appointmentscheduled",
                }
                present = {k: v for k, v in properties.items() if v is not None}
                self.store.drop("deals", deal_id)  # seeding a deal again replaces it
                self.store.put("deals", deal_id, present, touch=False)
                for contact_id in deal.get("contact_ids") or []:
                    if self.store.find("contacts", str(contact_id), None) is None:
                        self.store.put("contacts", str(contact_id), {}, touch=False)
                    self.store.link("deals", deal_id, "contacts", str(contact_id))

    def contact(self, contact_id: str) -> dict[str, str] | None:
        return self._record("contacts", contact_id)

    def deal(self, deal_id: str) -> dict[str, str] | None:
        return self._record("deals", deal_id)

    def influence(self) -> dict[str, dict[str, Any]]:
        """Breakdown records by key, each with the deals it is associated to (`_deals`)."""
        with self._lock:
            return {
                str(p.get("key")): dict(p) | {"_deals": self.store.linked(INFLUENCE, i, "deals")}
                for i, p in self.store.records.get(INFLUENCE, {}).items()
            }

    def tasks(self) -> list[dict[str, Any]]:
        """Tasks, each with the contacts it is associated to (`_contacts`)."""
        with self._lock:
            return [
                dict(p) | {"_contacts": self.store.linked("tasks", i, "contacts")}
                for i, p in self.store.records.get("tasks", {}).items()
            ]

    def tickets(self) -> list[dict[str, Any]]:
        """Tickets, each with the contacts it is associated to (`_contacts`)."""
        with self._lock:
            return [
                dict(p) | {"_contacts": self.store.linked("tickets", i, "contacts")}
                for i, p in self.store.records.get("tickets", {}).items()
            ]

    @property
    def gdpr_deleted(self) -> list[str]:
        return list(self.store.gdpr_deleted)

    def _record(self, kind: str, record_id: str) -> dict[str, str] | None:
        with self._lock:
            found = self.store.records.get(kind, {}).get(record_id)
            return dict(found) if found is not None else None

    # --- control -------------------------------------------------------------------------------
    def rotate_token(self, new: str) -> None:
        """A new private app token; the old one is revoked at once."""
        self.token = new

    def fail_next(
        self,
        status: int = 503,
        times: int = 1,
        after: int = 0,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer `status` to `times` calls, once `after` more calls have been answered."""
        body = body if body is not None else error(status, "Stub failure", "INTERNAL_ERROR")[1]
        self._faults.extend([None] * after + [(status, body, dict(headers or {}))] * times)

    def rate_limit_next(
        self,
        policy: str = "TEN_SECONDLY_ROLLING",
        times: int = 1,
        after: int = 0,
        retry_after: float | None = None,
    ) -> None:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        self.fail_next(429, times, after, _rate_limit(policy), headers)

    def exhaust_daily(self, after: int = 0) -> None:
        """The account's daily limit is spent after `after` more calls: every later call is a
        429 DAILY, as in HubSpot until midnight in the account's time zone."""
        self._daily_after = len(self.calls) + after

    def new_day(self) -> None:
        """Midnight in the account's time zone: the daily limit is lifted."""
        self._daily_after = None

    def redirect_next(self, location: str, status: int = 301, times: int = 1) -> None:
        self.fail_next(status, times, body={}, headers={"Location": location})

    def lose_answer_next(self, times: int = 1, after: int = 0, status: int = DROPPED) -> None:
        """Do what `times` calls ask, once `after` more calls have been answered, and lose their
        answers: the connection drops (DROPPED) or a gateway answers `status` (504, say)."""
        self._lost.extend([0] * after + [status] * times)

    def index_late(self, record_id: str, seconds: float) -> None:
        """The record's next write reaches the search index `seconds` after it is made."""
        self.store.lag[record_id] = seconds

    def reject(self, ref: str, category: str = "VALIDATION_ERROR") -> None:
        """A batch input for `ref` (record id or unique value) fails alone, in a 207."""
        self.store.rejected[ref] = category

    def on_call(self, number: int, action: Callable[[], None]) -> None:
        """Run `action` when the `number`th call (from 1) arrives, before it is answered."""
        self._actions[number] = action

    def touch_deal(self, deal_id: str) -> None:
        """Someone edits the deal now: its hs_lastmodifieddate moves to now."""
        self.store.put("deals", deal_id, {})

    @property
    def url(self) -> str:
        return self._loopback.url

    def paths(self, suffix: str = "") -> list[str]:
        return [c.path for c in self.calls if c.path.endswith(suffix)]

    def bodies(self, suffix: str) -> list[Any]:
        return [c.body for c in self.calls if c.path.endswith(suffix)]

    # --- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> HubSpotStub:
        self._loopback.start(_handler(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()

    def answer(
        self, method: str, path: str, headers: Mapping[str, str], body: Any
    ) -> tuple[Reply, dict[str, str]]:
        """The reply to one call; status DROPPED: close the connection without one."""
        if self.latency:
            self.sleep(self.latency)
        with self._lock:
            number = len(self.calls) + 1
            if action := self._actions.pop(number, None):
                action()
            reply, extra = self._answer(method, path, headers, body)
            lost = self._lost.pop(0) if self._lost else 0
            if lost:  # done, as `reply` says, but the client hears something else
                reply, extra = (lost, None), {}
            self.calls.append(Call(method, path, body, reply[0]))
            return reply, extra

    def _answer(
        self, method: str, path: str, headers: Mapping[str, str], body: Any
    ) -> tuple[Reply, dict[str, str]]:
        timeline = self.timeline.handles(path)
        if timeline and (refused := self.timeline.refused(path, headers)) is not None:
            return refused, {}
        if not timeline and headers.get("authorization") != f"Bearer {self.token}":
            message = "Authentication credentials not found. This API supports OAuth 2.0 ..."
            reply = error(401, message, "INVALID_AUTHENTICATION", correlationId=correlation())
            return reply, {}
        if self._daily_after is not None and len(self.calls) >= self._daily_after:
            return (429, _rate_limit("DAILY")), {}
        fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            return (fault[0], fault[1]), fault[2]
        if path.endswith("/search") and not self._may_search():
            return (429, _rate_limit("SECONDLY")), {}  # search answers carry no limit headers
        if timeline:
            return self.timeline.route(self.store, method, path, body), {}
        return route(self.store, method, path, body, self.search_cap, self.association_page), {}

    def _may_search(self) -> bool:
        """At most `search_rate` searches in any second of the store's clock, the refused
        ones uncounted."""
        now = self.store.clock()
        self._searches = [t for t in self._searches if now - t < timedelta(seconds=1)]
        if len(self._searches) >= self.search_rate:
            return False
        self._searches.append(now)
        return True


def _rate_limit(policy: str) -> dict[str, Any]:
    """A 429's body as developers.hubspot.com/docs/api/usage-details shows it."""
    return {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": correlation(),
        "policyName": policy,
        "requestId": correlation(),
    }


def _iso(moment: Any) -> str:
    if isinstance(moment, datetime):
        return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return iso(datetime.fromisoformat(str(moment).replace("Z", "+00:00")))


def _handler(stub: HubSpotStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK, 40 ms a call.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with stub._lock:
                stub._loopback.accepted(self.connection)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                # The OAuth token endpoint's form (hubspot_timeline); anything else unreadable.
                body = {k: v[-1] for k, v in parse_qs(raw.decode(errors="replace")).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            (status, document), extra = stub.answer(method, self.path, headers, body)
            if status == DROPPED:
                self.close_connection = True
                return
            payload = b"" if document is None else json.dumps(document).encode()
            self.send_response(status)
            if payload:
                self.send_header("content-type", "application/json;charset=utf-8")
            self.send_header("content-length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
