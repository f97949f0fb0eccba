"""X usernames to user ids: the X API v2 user lookup by usernames, `GET /2/users/by?usernames=`.

- Up to 100 usernames a call ("batch requests are limited to 100 users",
  https://docs.x.com/x-api/users/lookup/integrate), so n usernames cost ceil(n / 100) calls; a
  username asked once in a run is answered from memory after that (`answered`).
- A suspended or deleted account, or a username nobody holds, is left out of `data` and listed in
  the answer's `errors` (same page: "the multi-user lookup omits the user from results with an
  errors array"): it comes back None. So does a username listed nowhere.
- An account's id stays when its owner renames it: the id is what is linked, and the username only
  finds it. A renamed-away username answers no account (or another person's, who took it).
- The call discipline is the post lookup's (providers.x_api): the same bearer token, pool, retries
  with backoff, never a redirect, and a 429 (300 requests a 15-minute window for an app, https://
  docs.x.com/x-api/users/lookup/migrate/overview) stops every call until `x-rate-limit-reset`:
  `UsernamesStopped` carries what was answered before it.

A username is used in memory only: never logged, never stored; log lines carry counts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from socialscore.aws.batch import chunks
from socialscore.aws.logs import logger
from socialscore.providers.base import ProviderStopped
from socialscore.providers.x_api import XApiProvider

MAX_USERNAMES = 100
PATH = "/2/users/by"


class _NoUsernames(logging.Filter):
    """urllib3 logs each request's URL at DEBUG, and this lookup's query is its usernames (a GET:
    X has no POST for it): those lines are never written, whatever level an operator sets."""

    def filter(self, record: logging.LogRecord) -> bool:
        return PATH not in record.getMessage()


logging.getLogger("urllib3.connectionpool").addFilter(_NoUsernames())


@dataclass
class UsernamesStopped(Exception):
    """The lookup stopped (rate limit, X unavailable) before answering every username."""

    answered: dict[str, str | None] = field(default_factory=dict)
    reason: str = "unavailable"

    def __str__(self) -> str:  # counts only: a username is never in an error
        return f"UsernamesStopped({self.reason}): {len(self.answered)} answered"


class XUsernames:
    """username (lowercase) -> X user id, or None when X shows no account by that name."""

    def __init__(self, x: XApiProvider) -> None:
        self._x = x  # its HTTP discipline: token, pool, retries, the 429 stop
        self.answered: dict[str, str | None] = {}  # this run's answers: each asked once

    @classmethod
    def at(cls, bearer_token: Callable[[bool], str], base_url: str) -> XUsernames:
        return cls(XApiProvider(bearer_token, base_url))

    @property
    def calls(self) -> int:
        return self._x.calls

    def user_ids(self, usernames: list[str]) -> dict[str, str | None]:
        wanted = [u for u in dict.fromkeys(usernames) if u not in self.answered]
        try:
            for part in chunks(wanted, MAX_USERNAMES):
                self.answered |= self._ask(part)
        except (ProviderStopped, UsernamesStopped) as stopped:
            reason = getattr(stopped, "reason", "rate_limited")
            logger().warning(
                "X user lookup stopped",
                extra={"reason": reason, "answered": len(self.answered), "asked": len(wanted)},
            )
            known = {u: self.answered[u] for u in usernames if u in self.answered}
            raise UsernamesStopped(known, reason) from None
        return {u: self.answered[u] for u in usernames}

    def _ask(self, part: list[str]) -> dict[str, str | None]:
        query = urlencode({"usernames": ",".join(part)}, safe=",")
        # The post lookup's own request loop: one discipline for every call to X.
        answer = self._x._get(f"{self._x._base}{PATH}?{query}")
        if answer.status != 200:
            # A 400 here is this code's fault (it sends only well-formed usernames).
            logger().error("X user lookup refused", extra={"status": answer.status})
            raise UsernamesStopped({}, f"http_{answer.status}")
        try:
            document = json.loads(answer.body)
            found = {str(u["username"]).lower(): str(u["id"]) for u in document.get("data", [])}
        except (ValueError, KeyError, TypeError, AttributeError):
            logger().error("X user lookup answer unreadable", extra={"usernames": len(part)})
            raise UsernamesStopped({}, "unreadable_answer") from None
        missing = len(part) - len(set(found) & set(part))
        if missing:
            logger().info("X accounts not found or suspended", extra={"count": missing})
        return {u: found.get(u) for u in part}
