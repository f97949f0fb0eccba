"""Webhook signatures: Standard Webhooks (verify and sign), the one-HMAC check X and Meta use,
and what makes a configured secret a secret at all.

Standard Webhooks, per its spec (https://github.com/standard-webhooks/standard-webhooks/blob/main/
spec/standard-webhooks.md): HMAC-SHA256 over `{msg_id}.{timestamp}.{payload}`, keys "Random. At
least 24 bytes", base64 behind `whsec_`; `webhook-timestamp` an "integer unix timestamp"; id and
timestamp must hold no `.` (it delimits the signed content); the id is an idempotency key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

TOLERANCE_SECONDS = 5 * 60
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
MIN_KEY_BYTES = 24  # the spec's floor for a symmetric key
# X's consumer and OAuth 2.0 client secrets (50 characters) and Meta's app secret (32 hex
# digits) are far longer: anything under this was typed, not issued.
MIN_PLAIN_SECRET = 16
# ASCII digits only: int() would also read " 12", "+12", "1_2" and other scripts' digits.
# Twelve digits reach the year 33658, past any clock.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Printable ASCII without the `.` that delimits the signed content; short enough for a key.
WEBHOOK_ID_MAX = 256
_WEBHOOK_ID = re.compile(rf"[\x21-\x2d\x2f-\x7e]{{1,{WEBHOOK_ID_MAX}}}")


class SignatureError(Exception):
    """The request is not signed by a current secret, or its timestamp is stale. `reason` is a
    fixed word for logs and metrics (never the request's own text)."""

    def __init__(self, message: str, reason: str = "bad_signature") -> None:
        super().__init__(message)
        self.reason = reason


def whsec_key(secret: str) -> bytes | None:
    """The HMAC key of a `whsec_` secret; None when it is no usable key (not base64, or under
    the spec's 24 bytes): such a secret verifies nothing."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) >= MIN_KEY_BYTES else None


def whsec_problem(secret: object) -> str | None:
    """Why a configured SMMS secret is no secret (the value is never part of the reason)."""
    if not isinstance(secret, str) or not secret.strip():
        return "empty"
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return "not base64"
    if len(key) < MIN_KEY_BYTES:
        return f"shorter than {MIN_KEY_BYTES} bytes"
    return None


def plain_problem(secret: object) -> str | None:
    """Why a configured X or Meta signing secret is no secret."""
    if not isinstance(secret, str) or not secret.strip():
        return "empty"
    if len(secret) < MIN_PLAIN_SECRET:
        return f"shorter than {MIN_PLAIN_SECRET} characters"
    return None


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return _signature(key, msg_id, timestamp, body)


def _signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac_sha256(key, f"{msg_id}.{timestamp}.".encode() + body)
    return "v1," + base64.b64encode(digest).decode()


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes, now: datetime) -> str:
    """Return the webhook id when any listed signature matches any live secret.

    Several secrets are live during a rotation; the sender may list several signatures.
    Every comparison is constant-time. A secret that is no key (see whsec_key) is no secret.
    """
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    header = headers.get("webhook-signature", "")
    if not msg_id or not stamp or not header:
        raise SignatureError(
            "missing webhook-id, webhook-timestamp or webhook-signature header",
            "missing_signature",
        )
    if not _TIMESTAMP.fullmatch(stamp):
        raise SignatureError("webhook-timestamp is not a unix timestamp", "bad_timestamp")
    if not _WEBHOOK_ID.fullmatch(msg_id):
        raise SignatureError(
            f"webhook-id must be 1 to {WEBHOOK_ID_MAX} printable ASCII characters without '.'",
            "bad_webhook_id",
        )
    timestamp = int(stamp)
    if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError(
            "webhook-timestamp is outside the 5 minute tolerance", "stale_timestamp"
        )
    keys = [key for secret in secrets if (key := whsec_key(secret)) is not None]
    if not keys:
        raise SignatureError("no secret is configured to check webhook-signature", "no_secret")
    offered = [part for part in header.split(" ") if part.startswith("v1,")]
    expected = [_signature(key, msg_id, timestamp, body) for key in keys]
    if not any_match(expected, offered):
        raise SignatureError("no valid signature for this body")
    return msg_id


def require(live: list[str], sign: Callable[[str], str], offered: str, header: str) -> None:
    """Raise unless `offered` is the signature one of the live secrets makes (several are live
    during a rotation). X and Meta sign this way: one header, one HMAC of the body."""
    if not live:
        raise SignatureError(f"no secret is configured to check {header}", "no_secret")
    if not offered:
        raise SignatureError(f"missing {header} header", "missing_signature")
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
