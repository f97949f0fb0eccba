"""Outbound HTTP for the providers and the CRM adapters: one pooled client per container.

urllib3, not urllib.request: urllib.request follows redirects and sends the request's headers
(a bearer token) to whatever host a redirect names. Nothing here follows a redirect: the X API's
is refused, a shortener's is read and checked hop by hop. One PoolManager per container keeps
connections, and their TLS sessions, open across a warm container's invocations. urllib3 comes
with botocore, in whichever major version the runtime's botocore has (1.26 or 2.x), so only
calls both versions have are used.
"""

from __future__ import annotations

from functools import cache

import urllib3

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
