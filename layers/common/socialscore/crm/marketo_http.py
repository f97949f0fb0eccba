"""One Marketo REST call, with the instance's limits and its errors handled in one place.

Marketo answers almost everything with HTTP 200; whether a call worked is the body's `success`,
and why not its `errors: [{code, message}]`; a 6xx code means the call was not executed
(experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes). Its limits,
shared by every integration of the instance (.../marketo/rest/marketo-integration-best-practices):
a daily quota (50,000 calls on most subscriptions, reset at 12:00 AM CST), 100 calls per 20 s,
10 concurrent calls, 300 records a batch, 1 MB a body. So:

- Pace: at most `window_calls` calls in any 20 s (default 50: Adobe advises one integration to
  keep to half the instance's 100), waiting through the injected sleep when the window is full.
  One call at a time: a run never holds more than one of the instance's 10 concurrent calls.
- Daily budget: `daily_left` calls (set by the adapter from the instance's usage today and the
  configured ceiling); at 0 the run stops (`daily_budget`) before sending, leaving the rest of the
  quota to the instance's other integrations. Codes Adobe marks as not counted (601, 602, 604,
  605, 608, 611) give their call back.
- 601 / 602 (token invalid / expired): a token afresh, once per call, then the run stops.
- 606 (rate limit, another integration filled the 20 s window): wait 20 s and send again, at
  most `rate_waits` times, then stop. 615 (10 calls already running): wait 1, 2, 4... s and
  send again, as often. 607 (daily quota reached): stop at once; every later call today would
  be refused too.
- 604, 608, 611, 713, HTTP 5xx, timeouts, dropped connections: tried `attempts` times with
  backoff, then stop; except a call not to be sent twice (adding activities: Marketo keeps no
  key that would make a second one a repeat), where an HTTP failure is `AnswerLost`. A 6xx body
  was not executed, so it is sent again whatever the call.
- A redirect is never followed (the request carries the token).
- A wait (the window, 606, 615, a retry's backoff, a token's last seconds) longer than the
  invocation has left (`time_left`, crm_sync's budget) stops the run `out_of_time` instead: a
  Lambda cut off by its timeout mid-slice saves nothing of what landed, and an add of
  activities it sent would be sent again by the next run (Marketo keeps no key to refuse it).
Everything else (success, other error codes, 413) goes back to the caller, who knows its records.
Nothing of a body or a message is logged: codes, statuses and paths only.
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import urllib3

from socialscore.aws.http import TRANSPORT_ERRORS, USER_AGENT, backoff, shared_pool
from socialscore.aws.logs import logger
from socialscore.crm.base import OUT_OF_TIME, CrmStopped
from socialscore.crm.marketo_auth import Answer, MarketoAuth, read_json

WINDOW = 20.0  # seconds of Marketo's rate window
UNCOUNTED = frozenset({"601", "602", "604", "605", "608", "611"})  # "*" in Adobe's table
TOKEN = frozenset({"601", "602"})
TRANSIENT = frozenset({"604", "608", "611", "713"})


class AnswerLost(Exception):
    """A call not sent twice had no answer: it may or may not have been done."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def codes(answer: Answer) -> list[str]:
    """The response-level error codes of an answer whose `success` is false."""
    document = answer.document if isinstance(answer.document, dict) else {}
    if document.get("success") is not False:
        return []
    errors = document.get("errors") or []
    found = [str(e.get("code", "")) for e in errors if isinstance(e, dict)]
    return [c for c in found if c.isdigit()] or ["unknown"]


class MarketoApi:
    """JSON calls to one instance; `calls` counts every REST request sent, retries included."""

    def __init__(
        self,
        credentials: Callable[[bool], Mapping[str, Any]],
        *,
        pool: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 90.0,  # Sync Leads and Add Custom Activity time out at 90 s
        attempts: int = 3,
        rate_waits: int = 3,
        window_calls: int = 50,
        time_left: Callable[[], float] = lambda: math.inf,
    ) -> None:
        self._pool = pool if pool is not None else shared_pool()
        self._sleep = sleep
        self._clock = clock
        self._timeout = timeout
        self._attempts = attempts
        self._rate_waits = rate_waits
        self._window_calls = window_calls
        self._sent: deque[float] = deque()
        self.time_left = time_left  # seconds the run may still spend
        self.auth = MarketoAuth(
            credentials,
            self._send,
            clock,
            attempts=attempts,
            pause=lambda n: self._wait(backoff(0.5, n)),
            sleep=self._wait,
        )
        self.calls = 0
        self.daily_left: int | None = None  # None: no budget read yet

    def call(self, method: str, path: str, body: Any = None, *, resend: bool = True) -> Answer:
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        renewed = False
        failures = waits = 0
        token = self.auth.token()
        while True:
            self._spend(path)
            try:
                answer = self._send(method, self.auth.origin + path, payload, _headers(token))
            except TRANSPORT_ERRORS as err:
                problem = type(err).__name__
            else:
                if 300 <= answer.status < 400:
                    logger().error("Marketo answered with a redirect: not followed")
                    raise CrmStopped(f"http_{answer.status}_redirect_not_followed")
                found = codes(answer)
                if UNCOUNTED.intersection(found) and self.daily_left is not None:
                    self.daily_left += 1
                if TOKEN.intersection(found) or answer.status == 401:
                    if renewed:
                        logger().error("Marketo refused a fresh token", extra={"path": path})
                        raise CrmStopped("token_refused")
                    renewed = True
                    token = self.auth.renew()
                    continue
                if "607" in found:
                    logger().error("Marketo daily quota reached: run stopped")
                    raise CrmStopped("daily_quota")
                if "606" in found or "615" in found:
                    waits += 1
                    self._limited(found, waits)
                    continue
                if answer.status < 500 and not TRANSIENT.intersection(found):
                    return answer
                problem = found[0] if found else f"http_{answer.status}"
                if found:  # a 6xx/7xx body: not executed, so sent again whatever the call
                    failures += 1
                    self._retry(path, problem, failures)
                    continue
            failures += 1
            if not resend:
                logger().warning("Marketo call lost", extra={"path": path, "problem": problem})
                raise AnswerLost(problem)
            self._retry(path, problem, failures)

    def _retry(self, path: str, problem: str, failures: int) -> None:
        logger().warning(
            "Marketo call failed", extra={"path": path, "problem": problem, "try": failures}
        )
        if failures >= self._attempts:
            raise CrmStopped(f"unavailable_{problem}")
        self._wait(backoff(0.5, failures))

    def _limited(self, found: list[str], waits: int) -> None:
        code = "606" if "606" in found else "615"
        if waits > self._rate_waits:
            logger().error("Marketo kept limiting: run stopped", extra={"code": code})
            raise CrmStopped("rate_limited" if code == "606" else "concurrency_limited")
        # 606: another integration filled the 20 s window; the window rolls in 20 s.
        # 615: ten calls run; one ends soon.
        wait = WINDOW if code == "606" else float(2 ** (waits - 1))
        logger().warning("Marketo limit: backing off", extra={"code": code, "wait": wait})
        self._wait(wait)

    def _spend(self, path: str) -> None:
        """Take one call of the day's budget and of the 20 s window, waiting for the window."""
        if self.daily_left is not None and self.daily_left <= 0:
            logger().error("Marketo daily budget spent: run stopped", extra={"path": path})
            raise CrmStopped("daily_budget")
        now = self._clock()
        while self._sent and now - self._sent[0] >= WINDOW:
            self._sent.popleft()
        if len(self._sent) >= self._window_calls:
            self._wait(WINDOW - (now - self._sent[0]))
            self._sent.popleft()
        self._sent.append(self._clock())
        self.calls += 1
        if self.daily_left is not None:
            self.daily_left -= 1

    def _wait(self, seconds: float) -> None:
        if seconds > self.time_left():
            logger().warning("Marketo wait past the run's time: stopped", extra={"wait": seconds})
            raise CrmStopped(OUT_OF_TIME)
        self._sleep(seconds)

    def _send(
        self, method: str, url: str, payload: bytes | None, headers: dict[str, str]
    ) -> Answer:
        # Retries off: `call` owns them. Redirects off: the token goes to this host only.
        reply = self._pool.urlopen(
            method,
            url,
            body=payload,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"} | headers,
            redirect=False,
            retries=False,
            timeout=self._timeout,
        )
        found = {str(k).lower(): str(v) for k, v in reply.headers.items()}
        return Answer(reply.status, read_json(reply.data), found)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
