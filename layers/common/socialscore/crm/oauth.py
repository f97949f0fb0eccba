"""The OAuth 2.0 client-credentials token request Marketo and Salesforce both make.

Both vendors take the grant as a form-encoded POST body (RFC 6749 section 4.4.2:
datatracker.ietf.org/doc/html/rfc6749#section-4.4.2), and retry it alike: a transport
error or a 5xx is tried again after a pause, `attempts` times in all, then the run stops
naming the last problem. Each adapter keeps its own endpoint, answers and error mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from socialscore.aws.logs import logger
from socialscore.crm.base import CrmStopped

T = TypeVar("T")


def client_credentials(secret: Mapping[str, Any], host: str, vendor: str) -> tuple[str, str, str]:
    """(`host` field, client id, client secret) of a CRM's secret, each stripped. Any missing is
    logged by name (never a value) and stops the run: `no_credentials`."""
    names = (host, "client_id", "client_secret")
    values = {k: str(secret.get(k) or "").strip() for k in names}
    missing = sorted(k for k, v in values.items() if not v)
    if missing:
        logger().error(
            f"{vendor} credentials not set (README, CRM setup)", extra={"missing": missing}
        )
        raise CrmStopped("no_credentials")
    return values[host], values["client_id"], values["client_secret"]


def client_credentials_request(client_id: str, client_secret: str) -> tuple[bytes, dict[str, str]]:
    """The token request's body and headers (a fresh dict: senders may add to it)."""
    form = urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
    ).encode()
    return form, {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Retry:
    """A token request worth another attempt, and its problem as the log and the stop name it."""

    problem: str

    @classmethod
    def transport(cls, err: Exception) -> Retry:
        return cls(f"token_transport_{type(err).__name__}")

    @classmethod
    def status(cls, status: int) -> Retry:
        return cls(f"token_http_{status}")


def with_retries(
    ask: Callable[[], T | Retry], attempts: int, pause: Callable[[int], None], unavailable: str
) -> T:
    """`ask`'s token, asked again after `pause(n)` while it answers Retry; after `attempts`
    tries, `unavailable` is logged and the run stops (CrmStopped) with the last problem."""
    attempt = 0
    while True:
        got = ask()
        if not isinstance(got, Retry):
            return got
        attempt += 1
        if attempt >= attempts:
            logger().error(unavailable, extra={"problem": got.problem})
            raise CrmStopped(got.problem)
        pause(attempt)
