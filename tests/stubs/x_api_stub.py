"""A stub of the X API v2 post lookup (`GET /2/tweets`) on 127.0.0.1, for tests and benchmarks.

It behaves like the real API where socialscore depends on it: bearer auth (401), 1 to 100
numeric ids a call (400 with the real error body past that, and for a malformed id, each one
named), `tweet.fields`, `expansions` and `user.fields` checked, posts it does not know listed
in `errors` (resource-not-found; protected ones not-authorized-for-resource), `x-rate-limit-*`
headers on every answer and 429 once the window's quota is spent. It can be told to answer 5xx,
to stall (a timeout) or to redirect for the next calls. It keeps connections alive (HTTP/1.1)
and counts the TCP connections it accepted, so a test can see a client's pooling. Asked for
`expansions=author_id`, it adds the authors to `includes.users` (`id`, `name`, `username`, and
with `user.fields=public_metrics` their counts) for the authors given in `followers`; an author
not given is answered as X answers for a suspended or withheld user: left out of `includes`,
listed in `errors` (`parameter: author_id`).

    with XApiStub(posts={"123": post(author_id="9", text="...")}) as x:
        provider = XApiProvider(lambda refresh: x.token, x.url)
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from socialscore_local.crm_stubs.loopback import Loopback
from tests.stubs.x_api_users import EXPANSIONS, USER_FIELDS, user, user_error, users_by

MAX_IDS = 100
USERS_BY = "/2/users/by"
TWEET_FIELDS = {
    "attachments", "author_id", "card_uri", "context_annotations", "conversation_id",
    "created_at", "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id",
    "in_reply_to_user_id", "lang", "non_public_metrics", "note_tweet", "organic_metrics",
    "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets",
    "reply_settings", "scopes", "source", "text", "withheld",
}  # fmt: skip
PROBLEMS = "https://api.twitter.com/2/problems"


def post(
    author_id: str,
    text: str = "",
    created_at: str = "2026-10-01T14:00:00.000Z",
    conversation_id: str | None = None,
    replied_to: str | None = None,
    quoted: str | None = None,
    note: str | None = None,
    retweeted: str | None = None,
) -> dict[str, Any]:
    """A post as the stub keeps it (id added when served). Write `text` as X gives it: a
    retweet's is `RT @<author>: <the retweeted text>`; a quote's is the quoter's own words only,
    often ending in the quoted post's t.co link."""
    references = [
        {"type": kind, "id": target}
        for kind, target in (
            ("replied_to", replied_to),
            ("quoted", quoted),
            ("retweeted", retweeted),
        )
        if target
    ]
    return {
        "author_id": author_id,
        "text": text,
        "created_at": created_at,
        "conversation_id": conversation_id,
        "referenced_tweets": references or None,
        "note_tweet": {"text": note} if note else None,
    }


@dataclass
class XApiStub:
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    protected: set[str] = field(default_factory=set)  # exist, but not for this app
    followers: dict[str, int] = field(default_factory=dict)  # author id -> followers_count
    # GET /2/users/by (x_api_users.users_by): username (lowercase) -> id; suspended usernames
    accounts: dict[str, str] = field(default_factory=dict)
    suspended: set[str] = field(default_factory=set)
    names_invalid_ids: bool = True  # False: a bare 400 for a malformed id, naming nothing
    tweet_fields: set[str] = field(default_factory=lambda: set(TWEET_FIELDS))
    token: str = "stub-bearer-token"
    quota: int | None = (
        None  # requests per window, per endpoint (X counts each apart); None: unlimited
    )
    window_seconds: int = 900
    # What happened, for assertions: the ids of every request, every answer's status, and how
    # many TCP connections were accepted.
    requests: list[list[str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    connections: int = 0
    _failures: list[int | None] = field(default_factory=list)  # None: answer normally
    _stalls: list[float] = field(default_factory=list)
    _redirects: list[tuple[int, str]] = field(default_factory=list)
    _window_start: float = field(default_factory=time.time)
    _used: int = 0  # GET /2/tweets's requests in the window
    _users_used: int = 0  # GET /2/users/by's
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loopback: Loopback = field(default_factory=Loopback)

    # --- control ---------------------------------------------------------------------------
    def fail_next(self, status: int = 503, times: int = 1, after: int = 0) -> None:
        """Answer `status` to `times` calls, once `after` more calls have been answered normally."""
        self._failures.extend([None] * after + [status] * times)

    def redirect_next(self, status: int, location: str, times: int = 1) -> None:
        """Answer the next calls with a redirect to `location`, before any check (a wrong base
        URL, or something between the client and the API, answers so)."""
        self._redirects.extend([(status, location)] * times)

    def stall_next(self, seconds: float, times: int = 1) -> None:
        """Answer the next calls only after `seconds`: a client with a shorter timeout gives up."""
        self._stalls.extend([seconds] * times)

    def spend_quota(self, endpoint: str = "/2/tweets") -> None:
        """Another client of the same app spends what is left of the window: the next call is a
        429 although the last answer said some remained."""
        with self._lock:
            if endpoint == USERS_BY:
                self._users_used = self.quota or 0
            else:
                self._used = self.quota or 0

    def delete(self, post_id: str) -> None:
        self.posts.pop(post_id, None)

    def rename(self, old: str, new: str) -> None:
        """The account keeps its id under its new username; the old one finds nobody."""
        self.accounts[new.lower()] = self.accounts.pop(old.lower())

    @property
    def reset_at(self) -> int:
        return int(self._window_start + self.window_seconds)

    @property
    def url(self) -> str:
        return self._loopback.url

    @property
    def calls(self) -> int:
        return len(self.requests)

    # --- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> XApiStub:
        self._loopback.start(_handler(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.stop()

    def _accepted(self, sock: socket.socket) -> None:
        with self._lock:
            self.connections += 1
        self._loopback.accepted(sock)

    # --- the API ---------------------------------------------------------------------------
    def answer(
        self, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], float, dict[str, str]]:
        """(status, JSON body, seconds to stall, extra headers) for one request."""
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        ids = [i for v in query.get("ids", query.get("usernames", [])) for i in v.split(",")]
        with self._lock:
            self.requests.append(ids)
            stall = self._stalls.pop(0) if self._stalls else 0.0
            if self._redirects:
                status, location = self._redirects.pop(0)
                return status, _problem(status, "Moved"), stall, {"location": location}
            status, body = self._answer(parts.path, query, ids, headers)
            return status, body, stall, {}

    def _answer(
        self, path: str, query: dict[str, list[str]], ids: list[str], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if path not in ("/2/tweets", USERS_BY):
            return 404, _problem(404, "Not Found")
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, _problem(401, "Unauthorized")
        failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return failure, _problem(failure, "Service Unavailable")
        if time.time() >= self.reset_at:
            self._window_start, self._used, self._users_used = time.time(), 0, 0
        if self.quota is not None and self._spent(path) >= self.quota:
            return 429, _problem(429, "Too Many Requests")
        if path == USERS_BY:
            self._users_used += 1
            return users_by(query, self.accounts, self.suspended)
        self._used += 1
        invalid = _invalid(query, ids, self.tweet_fields)
        if invalid and not self.names_invalid_ids and "ids" in invalid["errors"][0]["parameters"]:
            return 400, _problem(400, "Bad Request")
        if invalid:
            return 400, invalid
        fields = _listed(query, "tweet.fields")
        body = self._lookup(ids, fields)
        if "author_id" in _listed(query, "expansions"):
            self._include_authors(body, _listed(query, "user.fields"))
        return 200, body

    def _spent(self, path: str) -> int:
        return self._users_used if path == USERS_BY else self._used

    def rate_headers(self, path: str = "/2/tweets") -> dict[str, str]:
        with self._lock:
            limit = self.quota if self.quota is not None else 10**6
            return {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(max(0, limit - self._spent(path))),
                "x-rate-limit-reset": str(self.reset_at),
            }

    def _include_authors(self, body: dict[str, Any], user_fields: set[str]) -> None:
        """X's `author_id` expansion: each returned post's author once in `includes.users`."""
        authors = dict.fromkeys(self.posts[t["id"]]["author_id"] for t in body.get("data", []))
        users, errors = [], []
        for author in authors:
            if author not in self.followers:  # as X answers for a suspended user
                errors.append(user_error(author))
                continue
            users.append(user(author, self.followers[author], user_fields))
        if users:
            body["includes"] = {"users": users}
        if errors:
            body["errors"] = [*body.get("errors", []), *errors]

    def _lookup(self, ids: list[str], fields: set[str]) -> dict[str, Any]:
        data, errors = [], []
        for post_id in ids:
            stored = self.posts.get(post_id)
            if post_id in self.protected or stored is None:
                errors.append(_post_error(post_id, protected=post_id in self.protected))
            else:
                tweet = {"id": post_id, "text": stored["text"], "edit_history_tweet_ids": [post_id]}
                for name in fields - {"id", "text"}:
                    if stored.get(name) is not None:
                        tweet[name] = stored[name]
                data.append(tweet)
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return body


def _problem(status: int, title: str) -> dict[str, Any]:
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


def _invalid_request(parameter: str, value: str, *messages: str) -> dict[str, Any]:
    """X's 400: each error echoes the parameter's whole value and names what is wrong with it."""
    return {
        "errors": [{"parameters": {parameter: [value]}, "message": m} for m in messages],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": f"{PROBLEMS}/invalid-request",
    }


def _invalid(
    query: dict[str, list[str]], ids: list[str], tweet_fields: set[str]
) -> dict[str, Any] | None:
    raw = ",".join(ids)
    if not ids or len(ids) > MAX_IDS:
        return _invalid_request(
            "ids",
            raw,
            f"The number of values in the `ids` query parameter list [{len(ids)}] is not "
            f"between 1 and {MAX_IDS}",
        )
    malformed = [i for i in ids if not re.fullmatch(r"[0-9]{1,19}", i)]
    if malformed:
        return _invalid_request(
            "ids", raw, *(f"The `ids` query parameter value [{i}] is not valid" for i in malformed)
        )
    allowed = {"tweet.fields": tweet_fields, "expansions": EXPANSIONS, "user.fields": USER_FIELDS}
    for parameter, names in allowed.items():
        for name in sorted(_listed(query, parameter)):
            if name not in names:
                return _invalid_request(
                    parameter,
                    name,
                    f"The `{parameter}` query parameter value [{name}] is not one of "
                    f"[{','.join(sorted(names))}]",
                )
    return None


def _listed(query: dict[str, list[str]], parameter: str) -> set[str]:
    return set(query.get(parameter, [""])[0].split(",")) - {""}


def _post_error(post_id: str, protected: bool) -> dict[str, Any]:
    """One entry of `errors`, as the API lists a post it will not return."""
    if protected:
        detail = f"Sorry, you are not authorized to see the Tweet with ids: [{post_id}]."
        title, problem = "Authorization Error", "not-authorized-for-resource"
    else:
        detail = f"Could not find tweet with ids: [{post_id}]."
        title, problem = "Not Found Error", "resource-not-found"
    return {
        "value": post_id,
        "detail": detail,
        "title": title,
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": post_id,
        "type": f"{PROBLEMS}/{problem}",
    }


def _handler(stub: XApiStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            stub._accepted(self.connection)

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, stall, extra = stub.answer(self.path, headers)
            if stall:
                time.sleep(stall)
            payload = json.dumps(body).encode()
            with stub._lock:
                stub.statuses.append(status)
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(payload)))
                for name, value in (stub.rate_headers(urlsplit(self.path).path) | extra).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running(**kwargs: Any) -> Iterator[XApiStub]:
    with XApiStub(**kwargs) as stub:
        yield stub
