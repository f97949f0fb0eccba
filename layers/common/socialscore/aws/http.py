"""Outbound HTTP for the providers and the CRM adapters: one pooled client per container.

urllib3, not urllib.request: urllib.request follows redirects and sends the request's headers
(a bearer token) to whatever host a redirect names. Nothing here follows a redirect: the X API's
is refused, a shortener's is read and checked hop by hop. One PoolManager per container keeps
connections, and their TLS sessions, open across a warm container's invocations. urllib3 comes
with botocore, in whichever major version the runtime's botocore has (1.26 or 2.x), so only
calls both versions have are used.
"""

from __future__ import annotations

import random
from functools import cache
from urllib.parse import urlsplit

import urllib3

from socialscore.aws.config import ConfigurationError

# One exchange went wrong on the way (connect, TLS, timeout, dropped connection): with retries
# off, urllib3 raises these as they are, and the callers decide whether to try again.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (urllib3.exceptions.HTTPError, OSError)
USER_AGENT = "socialscore"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


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


def secure_origin(url: str, what: str) -> str:
    """`scheme://host[:port]` of an https URL (http on loopback only: a local stub), or
    ConfigurationError: a credential sent there never travels in clear. Named in the error by
    scheme and host only: a URL with user info would put a password in the log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = parts.scheme == "http" and host in LOOPBACK_HOSTS
    extra = parts.username or parts.password or parts.query or parts.fragment
    if (
        not host
        or extra
        or parts.path not in ("", "/")
        or not (parts.scheme == "https" or loopback)
    ):
        shown = f"{parts.scheme}://{host}" if parts.scheme else "a URL without its scheme"
        raise ConfigurationError(
            f"{what} must be https://<host> (http only on loopback), not {shown}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def backoff(seconds: float, attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: doubling, with jitter so that parallel
    runs do not retry in step."""
    return float(seconds * 2 ** (attempt - 1) * (1 + random.random()))  # noqa: S311
