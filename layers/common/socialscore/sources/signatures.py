"""Standard Webhooks signatures (https://www.standardwebhooks.com): verify and sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

TOLERANCE_SECONDS = 5 * 60
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


class SignatureError(Exception):
    """The request is not signed by a current secret, or its timestamp is stale."""


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one secret."""
    digest = hmac_sha256(_key(secret), f"{msg_id}.{timestamp}.".encode() + body)
    return "v1," + base64.b64encode(digest).decode()


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes, now: datetime) -> str:
    """Return the webhook id when any listed signature matches any live secret.

    Several secrets are live during a rotation; the sender may list several signatures.
    Every comparison is constant-time.
    """
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    header = headers.get("webhook-signature", "")
    if not msg_id or not stamp or not header:
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not a unix timestamp") from None
    if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is outside the 5 minute tolerance")
    offered = [part for part in header.split(" ") if part.startswith("v1,")]
    expected = [sign(secret, msg_id, timestamp, body) for secret in secrets]
    if not any_match(expected, offered):
        raise SignatureError("no valid signature for this body")
    return msg_id


def require(live: list[str], sign: Callable[[str], str], offered: str, header: str) -> None:
    """Raise unless `offered` is the signature one of the live secrets makes (several are live
    during a rotation). X and Meta sign this way: one header, one HMAC of the body."""
    if not live:
        raise SignatureError(f"no secret is configured to check {header}")
    if not any_match([sign(secret) for secret in live], [offered]):
        raise SignatureError(f"{header} does not match the body")


def any_match(expected: Iterable[str], offered: Iterable[str]) -> bool:
    """Whether any offered signature equals any expected one, in constant time: no early exit,
    so the time taken does not tell which secret or which signature matched."""
    matched = False
    offered = list(offered)
    for want in expected:
        for candidate in offered:
            matched |= hmac.compare_digest(want.encode(), candidate.encode())
    return matched


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()
