"""What the providers share: one pooled HTTP client per container, and the function's logger.

urllib3, not urllib.request: urllib.request follows redirects and sends the request's headers
(a bearer token) to whatever host a redirect names. Nothing here follows a redirect: the X API's
is refused, a shortener's is read and checked hop by hop. One PoolManager per container keeps
connections, and their TLS sessions, open across a warm container's invocations. urllib3 comes
with botocore, in whichever major version the runtime's botocore has (1.26 or 2.x), so only
calls both versions have are used.
"""

from __future__ import annotations

import os
from functools import cache

import urllib3
from aws_lambda_powertools import Logger

# One exchange went wrong on the way (connect, TLS, timeout, dropped connection): with retries
# off, urllib3 raises these as they are, and the callers decide whether to try again.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (urllib3.exceptions.HTTPError, OSError)
USER_AGENT = "socialscore"


@cache
def shared_pool() -> urllib3.PoolManager:
    """The container's connection pool, made on first use.

    Retries and redirects are off at the pool too, so a caller that forgets to turn them off
    per request still neither retries behind its own loop nor follows a redirect.
    """
    return urllib3.PoolManager(
        num_pools=16,  # the X API and the few shorteners, each a pool of its own
        maxsize=2,
        cert_reqs="CERT_REQUIRED",
        retries=False,
    )


def logger() -> Logger:
    """The function's Powertools logger, found by its service name when a line is written.

    Not a child logger made at import: a module imported before its handler made
    `Logger(service=...)`, or under another service name, had no parent, and its lines lost
    every field. Looking the service up per line also keeps the local runtime right, where
    every function runs in one process, each with its own POWERTOOLS_SERVICE_NAME.
    """
    return _logger_of(os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined"))


@cache
def _logger_of(service: str) -> Logger:
    # Same name as the handler's Logger: the same handler and formatter, so the keys the
    # handler appends (Lambda context, correlation ids) are on these lines too.
    return Logger(service=service)
