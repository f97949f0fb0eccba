"""A stub of LinkedIn's Posts API batch get (`GET /rest/posts?ids=List(...)`) on 127.0.0.1.

It refuses what LinkedIn refuses, with LinkedIn's error body (`{"message", "status"}`,
https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling): a missing
or wrong bearer token (401), no `LinkedIn-Version` or `X-Restli-Protocol-Version: 2.0.0`
(400; every versioned API requires both), a query string over 4 KB (414, query tunneling),
keys that are not URL-encoded share or ugcPost URNs in a Rest.li 2.0 `List(...)` (400). Posts it
does not know are listed under `errors` (404), posts the token may not read too (403, the
"Not enough permissions to access" body). Its daily quota spent, it answers 429 until told the
day turned. It can be told to answer 5xx for the next calls.

    with LinkedInApiStub(posts={"urn:li:share:1": li_post("urn:li:organization:2")}) as li:
        provider = LinkedInApiProvider(lambda refresh: li.token, li.url)
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from socialscore_local.crm_stubs.loopback import Loopback

MAX_QUERY_BYTES = 4 * 1024
_LIST = re.compile(r"^ids=List\(([^()]*)\)$")
_KEY = re.compile(r"^urn%3Ali%3A(share|ugcPost)%3A\d{1,25}$")


def li_post(author: str, created_ms: int = 1790000000000) -> dict[str, Any]:
    """A post as the Posts API answers it (the fields socialscore reads, and some it does not)."""
    return {
        "author": author,
        "createdAt": created_ms,
        "publishedAt": created_ms,
        "lifecycleState": "PUBLISHED",
        "visibility": "PUBLIC",
        "commentary": "Never read by socialscore",
    }


def _error(status: int, message: str) -> dict[str, Any]:
    return {"message": message, "status": status}


@dataclass
class LinkedInApiStub:
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)  # exist, but not for this token
    token: str = "stub-access-token"
    daily_quota: int | None = None  # None: unlimited
    # What happened, for assertions: the keys of every call and every answer's status.
    requests: list[list[str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _used: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loopback: Loopback = field(default_factory=Loopback)

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        self._failures.extend([status] * times)

    def new_day(self) -> None:
        """Midnight UTC: the daily quota is whole again."""
        with self._lock:
            self._used = 0

    @property
    def url(self) -> str:
        return self._loopback.url

    def __enter__(self) -> LinkedInApiStub:
        self._loopback.start(_handler(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        with self._lock:
            status, body = self._answer(parts.path, parts.query, headers)
            self.statuses.append(status)
            return status, body

    def _answer(self, path: str, query: str, headers: dict[str, str]) -> tuple[int, Any]:
        if path != "/rest/posts":
            return 404, _error(404, "Resource not found")
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, _error(401, "Invalid access token")
        if not re.fullmatch(r"\d{6}", headers.get("linkedin-version", "")):
            return 400, _error(400, "A version must be present. Please specify a version.")
        if headers.get("x-restli-protocol-version") != "2.0.0":
            return 400, _error(400, "Rest.li protocol 2.0.0 is required")
        if len(query.encode()) > MAX_QUERY_BYTES:
            return 414, _error(414, "Request-URI Too Long")
        listed = _LIST.fullmatch(query)
        keys = listed.group(1).split(",") if listed else []
        self.requests.append([unquote(k) for k in keys])
        if not keys or not all(_KEY.fullmatch(k) for k in keys):
            return 400, _error(400, "Invalid batch get keys")
        if self._failures:
            status = self._failures.pop(0)
            return status, _error(status, "Service Unavailable")
        if self.daily_quota is not None and self._used >= self.daily_quota:
            return 429, _error(429, "Resource level throttle APPLICATION DAY limit reached")
        self._used += 1
        results, errors, statuses = {}, {}, {}
        for key in (unquote(k) for k in keys):
            if key in self.forbidden:
                errors[key] = _error(403, f"Not enough permissions to access {key}")
                statuses[key] = 403
            elif key in self.posts:
                results[key] = {**self.posts[key], "id": key}
                statuses[key] = 200
            else:
                errors[key] = _error(404, f"Not found: {key}")
                statuses[key] = 404
        return 200, {"results": results, "statuses": statuses, "errors": errors}


def _handler(stub: LinkedInApiStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            stub._loopback.accepted(self.connection)

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body = stub.answer(self.path, headers)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
