"""X webhooks (/webhooks/x): signatures, the CRC check, and both of X's delivery APIs.

X's V2 webhooks (https://docs.x.com/x-api/webhooks/introduction) sign the raw body as
`sha256=<base64 HMAC-SHA256>` in `X-Twitter-Webhooks-Signature-OAuth2` with the app's OAuth 2.0
client secret (the recommended header) and in the legacy `X-Twitter-Webhooks-Signature` with
its consumer secret; an app with only a client secret gets only the first. The CRC
`GET ?crc_token=` is answered with the client secret when the app has one. No timestamp is
signed, so a replayed delivery is caught downstream: its acts have the same ids.

The same route takes Account Activity deliveries (`for_user_id` and event arrays) and X
Activity API deliveries (a `data` envelope).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from socialscore.sources.base import Answer, Message, Reading, live_secrets, secret_field
from socialscore.sources.signatures import SignatureError, hmac_sha256, require
from socialscore.sources.x_account_activity import XActivity, read_account_activity
from socialscore.sources.x_activity_api import XaaDelivery, read_activity_api
from socialscore.sources.x_posts import SOURCE

SIGNATURE = "x-twitter-webhooks-signature"  # legacy: consumer secret
OAUTH2_SIGNATURE = "x-twitter-webhooks-signature-oauth2"  # recommended: OAuth 2.0 client secret
CONSUMER_SECRETS = "consumer_secrets"
CLIENT_SECRETS = "oauth2_client_secrets"
HEADERS = {SIGNATURE: CONSUMER_SECRETS, OAUTH2_SIGNATURE: CLIENT_SECRETS}

# The CRC answer is HMAC(secret, token): exactly the signature of a POST whose body is the
# token, under the same secret. No answer may ever sign a delivery, and that holds by
# construction: every body read here is first parsed as a JSON object (`_DOCUMENT`), and a JSON
# object's text holds "{"; no token holding "{" is answered (`signs_no_delivery`). The token
# shape below (X's tokens are short, base64 or URL-safe) also keeps the "{" out, and gives a
# caller a clear 400.
OBJECT_MARK = "{"
CRC_TOKEN_MAX = 256
CRC_TOKEN_PATTERN = rf"^[A-Za-z0-9_\-=+/.:]{{1,{CRC_TOKEN_MAX}}}$"  # published in the OpenAPI
CRC_TOKEN = re.compile(CRC_TOKEN_PATTERN)
_DOCUMENT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


def signs_no_delivery(token: str) -> bool:
    """Whether the HMAC of `token` can sign no body the X source reads (see above)."""
    return OBJECT_MARK not in token


class XSource:
    name = SOURCE
    success_status = 200
    methods: tuple[str, ...] = ("GET", "POST")

    def verify(self, secrets: Any, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        """Every signature header present must match its own secret (any live one during a
        rotation), and at least one must be present. A header that does not match refuses the
        delivery even when the other one matches: a forger who holds one secret, or replays one
        header, gains nothing, and a secret configured wrongly shows at once instead of
        silently depending on the other header."""
        present = [h for h in HEADERS if h in headers]
        if not present:
            raise SignatureError(
                f"missing {OAUTH2_SIGNATURE} or {SIGNATURE} header", "missing_signature"
            )
        for header in present:
            live = live_secrets(secret_field(secrets, HEADERS[header]))
            require(live, lambda secret: _signature(secret, body), headers[header], header)

    def read(self, body: bytes, received: datetime) -> Reading:
        document = _DOCUMENT.validate_json(body)  # a JSON object, or a ValidationError (400)
        if "data" in document or "errors" in document:
            return read_activity_api(XaaDelivery.model_validate(document), received)
        return read_account_activity(XActivity.model_validate(document))

    def messages(self, body: bytes, received: datetime) -> list[Message]:
        return self.read(body, received).messages

    def challenge(self, secrets: Any, query: Mapping[str, str]) -> Answer:
        """The CRC answer, made with the first OAuth 2.0 client secret listed when there is one
        (as X makes its own), else the first consumer secret: the first listed is the live one.
        """
        token = query.get("crc_token", "")
        if not signs_no_delivery(token) or not CRC_TOKEN.fullmatch(token):
            return Answer(400, _bad_crc_token(token))
        live = live_secrets(secret_field(secrets, CLIENT_SECRETS)) or live_secrets(
            secret_field(secrets, CONSUMER_SECRETS)
        )
        if not live:
            return Answer(401, {"error": "no X client or consumer secret is configured"})
        return Answer(200, {"response_token": _signature(live[0], token.encode())})


def _bad_crc_token(token: str) -> dict[str, Any]:
    """A Problem naming crc_token. The token is not echoed: it is the caller's arbitrary text."""
    if not token:
        reason = "crc_token is required"
    elif len(token) > CRC_TOKEN_MAX:
        reason = f"crc_token is longer than {CRC_TOKEN_MAX} characters"
    else:
        reason = "crc_token may hold only ASCII letters, digits and _-=+/.:"
    return {"error": "invalid CRC check", "fields": [{"field": "crc_token", "message": reason}]}


def _signature(secret: str, message: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac_sha256(secret.encode(), message)).decode()
