"""One HubSpot API exchange, with the account's limits and failures handled in one place.

HubSpot's limits and their 429 bodies (`policyName` DAILY, TEN_SECONDLY_ROLLING), as documented
at developers.hubspot.com/docs/api/usage-details:

- Bearer: the private app token. A 401 fetches it afresh once (a rotated token), then stops.
- 429 with `policyName: DAILY`: stop the run at once (CrmStopped); every later call today would
  be refused too, and spending them would starve the account's other integrations.
- Any other 429 (TEN_SECONDLY_ROLLING, the search API's per-second limit): wait `Retry-After`
  (1 s without it) through the injected sleep and send again, a bounded number of times.
- 5xx, timeouts, dropped connections: bounded attempts with backoff, then stop. Except for a
  call that must not be sent twice (a create: HubSpot documents no idempotency key, and a
  create whose answer was lost may have been done): `AnswerLost`, and the caller reconciles by
  reading before it creates again.
- 3xx: never followed; the request carries the token. Stop.
Everything else (2xx, 207, 4xx) goes back to the caller, who knows which records it concerns.
No body, message or header value is logged: ids, statuses and HubSpot's error categories only.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

import urllib3

from socialscore.aws.http import TRANSPORT_ERRORS, USER_AGENT, secure_origin, shared_pool
from socialscore.aws.logs import logger
from socialscore.crm.base import CrmStopped

DEFAULT_BASE_URL = "https://api.hubapi.com"
_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


class AnswerLost(Exception):
    """A call that is not sent twice had no answer (5xx, timeout, dropped connection): it may or
    may not have been done."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class Answer:
    status: int
    document: Any  # the JSON body, None when there is none (204) or it is not JSON
    headers: dict[str, str]

    @property
    def category(self) -> str:
        return category(self.document)


def category(error: Any) -> str:
    """HubSpot's error category (and sub-category): a code, safe to log and to report."""
    if not isinstance(error, dict):
        return "UNKNOWN"
    parts = [error.get("category"), error.get("subCategory")]
    named = [_SAFE.sub("", p)[:60] for p in parts if isinstance(p, str) and p]
    return "/".join(named) or "UNKNOWN"


def checked_base_url(base_url: str) -> str:
    """https, or http on loopback (the local stub): the token must never travel in clear text."""
    return secure_origin(base_url, "HUBSPOT_BASE_URL")


class HubSpotApi:
    """JSON calls to one HubSpot base URL; `calls` counts every request sent, retries included."""

    def __init__(
        self,
        token: Callable[[bool], str],
        base_url: str = DEFAULT_BASE_URL,
        *,
        pool: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        rate_waits: int = 10,
    ) -> None:
        self.base_url = checked_base_url(base_url)
        self._token = token
        self._pool = pool if pool is not None else shared_pool()
        self._sleep = sleep
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff
        self._rate_waits = rate_waits
        self.calls = 0
        self.daily_remaining: int | None = None  # from X-HubSpot-RateLimit-Daily-Remaining

    def call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, *, resend: bool = True
    ) -> Answer:
        """One exchange. `resend=False`: a call HubSpot may have done without answering is not
        sent again (AnswerLost); a 401 or 429 still is, as HubSpot refused it before doing it."""
        payload = None if body is None else json.dumps(body).encode()
        refreshed = refresh = False
        failures = waits = 0
        while True:
            token = self._token(refresh)
            refresh = False
            if not token:
                logger().error("HubSpot token is not set (see README, HubSpot)")
                raise CrmStopped("no_token")
            self.calls += 1
            try:
                answer = self._send(method, path, payload, token)
            except TRANSPORT_ERRORS as err:
                problem = type(err).__name__
            else:
                self._note_limits(answer)
                if answer.status == 401:
                    if refreshed:
                        logger().error("HubSpot refused the token", extra={"path": path})
                        raise CrmStopped("unauthorized")
                    refreshed = refresh = True  # a rotated token: fetch it afresh, once
                    continue
                if answer.status == 429:
                    waits += 1
                    self._rate_limited(answer, path, waits)
                    continue
                if 300 <= answer.status < 400:
                    _refuse_redirect(answer, path)
                if answer.status < 500:
                    return answer
                problem = f"http_{answer.status}"
            failures += 1
            logger().warning(
                "HubSpot call failed", extra={"path": path, "problem": problem, "try": failures}
            )
            if not resend:
                raise AnswerLost(problem)
            if failures >= self._attempts:
                raise CrmStopped(f"unavailable_{problem}")
            self._sleep(self._backoff * 2 ** (failures - 1))

    def _send(self, method: str, path: str, payload: bytes | None, token: str) -> Answer:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        # Retries off: `call` owns them (401, 429, 5xx) and urllib3's would multiply them.
        # Redirects off: the token goes to this host and no other.
        reply = self._pool.urlopen(
            method,
            self.base_url + path,
            body=payload,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=self._timeout,
        )
        try:
            document = json.loads(reply.data) if reply.data else None
        except ValueError:
            document = None
        found = {str(k).lower(): str(v) for k, v in reply.headers.items()}
        return Answer(reply.status, document, found)

    def _rate_limited(self, answer: Answer, path: str, waits: int) -> None:
        document = answer.document if isinstance(answer.document, dict) else {}
        policy = _SAFE.sub("", str(document.get("policyName", "")))[:40]
        if policy == "DAILY":
            logger().error("HubSpot daily limit reached: run stopped", extra={"path": path})
            raise CrmStopped("daily_limit")
        if waits > self._rate_waits:
            logger().error("HubSpot kept rate limiting: run stopped", extra={"policy": policy})
            raise CrmStopped("rate_limited")
        try:
            # Capped at the rolling window's 10 s: the wait stays short enough for one Lambda
            # run even at the bound on waits.
            wait = min(max(float(answer.headers.get("retry-after", "")), 0.0), 10.0)
        except ValueError:
            wait = 1.0  # the window rolls: a second frees some of it
        logger().warning("HubSpot rate limit: backing off", extra={"policy": policy, "wait": wait})
        self._sleep(wait)

    def _note_limits(self, answer: Answer) -> None:
        remaining = answer.headers.get("x-hubspot-ratelimit-daily-remaining", "")
        if remaining.isdigit():
            self.daily_remaining = int(remaining)


def _refuse_redirect(answer: Answer, path: str) -> NoReturn:
    location = urlsplit(answer.headers.get("location", ""))
    logger().error(
        "HubSpot answered with a redirect: not followed",
        extra={"status": answer.status, "path": path, "location_host": location.hostname or ""},
    )
    raise CrmStopped(f"http_{answer.status}_redirect_not_followed")
