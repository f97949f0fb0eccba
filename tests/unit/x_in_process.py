"""The X API stub (tests/stubs/x_api_stub.py) answering XApiProvider in process: a connection
pool, given to the provider through its `pool` parameter, that hands each request to the stub's
`answer` and builds the response its HTTP handler would send (the same status, JSON body and rate
limit headers), with no socket and no server thread.

For the provider's rules (how it cuts, splits and stops its calls, whom it asks nothing): the
stub keeps X's limits and error bodies either way. What only a socket shows (timeouts, kept-alive
connections, redirects not followed by urllib3) stays proven against the stub's loopback server
in tests/integration/test_x_api.py."""

from __future__ import annotations

import json
from typing import Any

import urllib3

from socialscore.providers.x_api import XApiProvider
from tests.stubs.x_api_stub import XApiStub

# A loopback origin nothing listens on: the pool below never opens it.
BASE = "http://127.0.0.1:9"


class InProcess(urllib3.PoolManager):
    """A pool whose every request is answered by `stub`, in this thread."""

    def __init__(self, stub: XApiStub) -> None:
        super().__init__()
        self.stub = stub

    def urlopen(  # type: ignore[override]
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        assert (method, redirect, kw.get("retries")) == ("GET", False, False)
        assert url.startswith(BASE)
        headers = {k.lower(): v for k, v in (kw.get("headers") or {}).items()}
        status, body, _, extra = self.stub.answer(url.removeprefix(BASE), headers)
        self.stub.statuses.append(status)
        return urllib3.HTTPResponse(
            body=json.dumps(body).encode(),
            status=status,
            headers={"content-type": "application/json; charset=utf-8"}
            | self.stub.rate_headers()
            | extra,
            preload_content=True,
        )


def provider(stub: XApiStub, **kwargs: Any) -> XApiProvider:
    """The provider as the Lambda makes it, its calls answered by `stub`; no sleeping between
    retries (tests that count the sleeps pass their own)."""
    options: dict[str, Any] = {"sleep": lambda _: None, "pool": InProcess(stub)} | kwargs
    return XApiProvider(lambda refresh: stub.token, BASE, **options)
