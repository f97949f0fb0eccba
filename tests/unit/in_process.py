"""The provider stubs (tests/stubs/x_api_stub.py, linkedin_api_stub.py) answering their providers
in process: a connection pool, given to the provider through its `pool` parameter, that hands each
request to the stub's `answer` and builds the response the stub's HTTP handler would send (the
same status, JSON body and headers), with no socket and no server thread.

For the providers' rules (how they cut, split and stop their calls, whom they ask nothing): the
stubs keep the APIs' limits and error bodies either way. What only a socket shows (timeouts,
kept-alive connections, redirects not followed by urllib3) stays proven against the stubs'
loopback servers in tests/integration/test_x_api.py and test_linkedin_api.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import urllib3

from socialscore.providers.linkedin_api import LinkedInApiProvider
from socialscore.providers.x_api import XApiProvider
from tests.stubs.linkedin_api_stub import LinkedInApiStub
from tests.stubs.x_api_stub import XApiStub

# A loopback origin nothing listens on: the pools below never open it.
BASE = "http://127.0.0.1:9"
# (path and query, lowercased request headers) -> (status, JSON body, response headers)
Answer = Callable[[str, dict[str, str]], tuple[int, Any, dict[str, str]]]


class InProcess(urllib3.PoolManager):
    """A pool whose every request is answered by `answer`, in this thread."""

    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer

    def urlopen(  # type: ignore[override]
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        assert (method, redirect, kw.get("retries")) == ("GET", False, False)
        assert url.startswith(BASE)
        headers = {k.lower(): v for k, v in (kw.get("headers") or {}).items()}
        status, body, extra = self.answer(url.removeprefix(BASE), headers)
        return urllib3.HTTPResponse(
            body=json.dumps(body).encode(),
            status=status,
            headers={"content-type": "application/json; charset=utf-8"} | extra,
            preload_content=True,
        )


def x_pool(stub: XApiStub) -> InProcess:
    """As the X stub's handler answers: its status recorded, its rate limit headers sent."""

    def answer(path: str, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        status, body, stall, extra = stub.answer(path, headers)
        # A stall is a timeout only a socket shows: answering at once would pass it silently.
        assert stall == 0, "a stalled answer needs the stub's loopback server"
        stub.statuses.append(status)
        # The asked endpoint's own window, as the handler sends it (users/by apart from tweets).
        return status, body, stub.rate_headers(urlsplit(path).path) | extra

    return InProcess(answer)


def linkedin_pool(stub: LinkedInApiStub) -> InProcess:
    def answer(path: str, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        status, body = stub.answer(path, headers)
        return status, body, {}

    return InProcess(answer)


def provider(stub: XApiStub, **kwargs: Any) -> XApiProvider:
    """The X provider as the Lambda makes it, its calls answered by `stub`; no sleeping between
    retries (tests that count the sleeps pass their own)."""
    options: dict[str, Any] = {"sleep": lambda _: None, "pool": x_pool(stub)} | kwargs
    return XApiProvider(lambda refresh: stub.token, BASE, **options)


def linkedin_provider(stub: LinkedInApiStub, clock: float, **kwargs: Any) -> LinkedInApiProvider:
    """The LinkedIn provider as the Lambda makes it at `clock`, its calls answered by `stub`."""
    return LinkedInApiProvider(
        lambda refresh: stub.token,
        BASE,
        clock=lambda: clock,
        sleep=lambda s: None,
        pool=linkedin_pool(stub),
        **kwargs,
    )
