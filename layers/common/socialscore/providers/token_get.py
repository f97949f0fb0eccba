"""One GET to a post provider's API with the app's token: the loop X's and LinkedIn's providers
share, each vendor's own rules given by its subclass.

Shared: no call before a spent limit resets (`ProviderRateLimited`); an empty token stops at
once, without a call; a 401 fetches the token afresh once (a rotation); a 429 stops until the
vendor's reset; another answer below 500 (a redirect included: the token would go with it) is
refused at once, ours to fix; 5xx, timeouts and dropped connections are tried `attempts` times
with backoff, then `ProviderUnavailable`. `calls` counts HTTP requests, retries and 429s
included.

Each vendor says (as its subclass): when a spent limit resets (`_reset`: X from its rate
headers, LinkedIn at the next midnight UTC), which statuses its caller reads (X's 400 may name
the ids at fault), its headers, how a refusal is logged, and its log messages. A response body
is never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, ClassVar, NoReturn, TypedDict

import urllib3

from socialscore.aws.http import TRANSPORT_ERRORS, backoff, secure_origin, shared_pool
from socialscore.aws.logs import logger
from socialscore.providers.base import ProviderRateLimited, ProviderUnavailable


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes


class HttpOptions(TypedDict, total=False):
    """The knobs of `TokenGet` a provider's constructor passes on (tests inject sleep, clock,
    pool)."""

    timeout: float
    attempts: int
    backoff: float
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    pool: urllib3.PoolManager | None


@dataclass(eq=False)
class TokenGet:
    """GETs to one vendor's API with a bearer token; subclasses give the vendor's rules."""

    vendor: ClassVar[str]  # the log messages' first words: "X API"
    base_url_setting: ClassVar[str]  # the setting named when the base URL is not https
    no_token: ClassVar[tuple[str, str]]  # (log message, reason) for an empty token
    limited_log: ClassVar[str]  # the log message at a 429
    readable: ClassVar[frozenset[int]] = frozenset({200})  # statuses `_get` returns

    token: Callable[[bool], str]
    base_url: str
    _: KW_ONLY
    timeout: float = 5.0
    attempts: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    pool: urllib3.PoolManager | None = None
    calls: int = field(default=0, init=False)
    limited_until: float = field(default=0.0, init=False)  # unix seconds; no call before then

    def __post_init__(self) -> None:
        self._base = secure_origin(self.base_url, self.base_url_setting)  # the token's only host
        self._pool = self.pool if self.pool is not None else shared_pool()

    def _headers(self, token: str) -> dict[str, str]:
        raise NotImplementedError

    def _reset(self, answer: Answer) -> float | None:
        """When the vendor's spent limit resets (unix seconds), or None while it is not spent."""
        raise NotImplementedError

    def _refuse(self, answer: Answer) -> NoReturn:
        """Log and raise for an answer below 500 the caller does not read: ours to fix."""
        raise NotImplementedError

    def _problem(self, answer: Answer) -> str:
        """A 5xx as the retry's warning and the final reason name it."""
        return f"http {answer.status}"

    def _get(self, url: str) -> Answer:
        problem, refreshed, attempt = "no attempt made", False, 0
        while attempt < self.attempts:
            if self.clock() < self.limited_until:
                raise ProviderRateLimited(reset_at=self.limited_until)
            token = self.token(False)
            if not token:
                logger().error(self.no_token[0])
                raise ProviderUnavailable(reason=self.no_token[1])
            self.calls += 1
            try:
                answer = self._request(url, token)
            except TRANSPORT_ERRORS as err:
                problem = type(err).__name__
            else:
                until = self._reset(answer)
                if until is not None:
                    self.limited_until = max(self.limited_until, until)
                if answer.status in self.readable:
                    return answer
                if answer.status == 429:
                    logger().warning(self.limited_log, extra={"reset_at": self.limited_until})
                    raise ProviderRateLimited(reset_at=self.limited_until)
                if answer.status == 401 and not refreshed:
                    self.token(True)  # a rotated token: fetch it afresh, once
                    refreshed = True
                    continue
                if answer.status < 500:
                    self._refuse(answer)
                problem = self._problem(answer)
            attempt += 1
            logger().warning(
                f"{self.vendor} call failed", extra={"problem": problem, "attempt": attempt}
            )
            if attempt < self.attempts:
                self.sleep(backoff(self.backoff, attempt))
        raise ProviderUnavailable(reason=problem)

    def _request(self, url: str, token: str) -> Answer:
        # Retries off: the loop in `_get` owns them (backoff, 429, 401), and urllib3's own
        # would multiply them. Redirects off: the token goes to this host and no other.
        reply = self._pool.urlopen(
            "GET",
            url,
            headers=self._headers(token),
            redirect=False,
            retries=False,
            timeout=self.timeout,
        )
        return Answer(reply.status, _lower(reply.headers.items()), reply.data)


def _lower(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}
