"""LinkedIn Company Page webhooks (/webhooks/linkedin): validation GET, signatures, deliveries.

Per LinkedIn's "Webhook validation" (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/
webhook-validation): LinkedIn proves the URL with `GET ?challengeCode=<type-4 UUID>` (at
registration, then about every 2 hours; 3 failures in a row block the webhook) and expects, within
3 seconds, JSON holding `challengeCode` and `challengeResponse` = hex HMAC-SHA256 of the code keyed
with the app's client secret. Each delivery is a POST whose `X-LI-Signature` is the hex
HMAC-SHA256, with the same secret, of "hmacsha256=" followed by the raw body. A failed delivery
is retried (every 5 minutes for 8 hours), and nothing in it is signed but the body: a replayed
delivery is harmless, its acts have the same ids.

The validation answer is a signature made on request by whoever asks: it must never be one a
delivery could carry. A delivery's signature covers "hmacsha256=" + a JSON object; an answered
code is a type-4 UUID (hex digits and dashes only), which neither starts with "hmacsha256=" nor
holds the "{" every JSON object holds (`signs_no_delivery`). Any other code is a 400, never
answered.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import Field, ValidationError

from socialscore.sources.base import Answer, LenientModel, Reading, live_secrets, secret_field
from socialscore.sources.linkedin_notifications import SOURCE, Notification, notification
from socialscore.sources.signatures import hmac_sha256, require
from socialscore.sources.words import WordsSource

SIGNATURE = "x-li-signature"
CLIENT_SECRETS = "client_secrets"
SIGNED_PREFIX = b"hmacsha256="  # what LinkedIn signs before the body
OBJECT_MARK = "{"
EVENT_TYPE = "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"
OTHER_TYPE = "type_other"  # another webhook's delivery (Lead Sync's LEAD_ACTION...): not ours
INVALID_NOTIFICATION = "invalid_notification"  # not what LinkedIn documents a notification is
# "Randomly generated type-4 UUID string" (Webhook validation, Fields): version nibble 4,
# variant 8, 9, a or b. Published in the OpenAPI document.
CHALLENGE_CODE_PATTERN = (
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
CHALLENGE_CODE = re.compile(CHALLENGE_CODE_PATTERN)


def signs_no_delivery(code: str) -> bool:
    """Whether the HMAC of `code` can be no delivery's signature (see above)."""
    return not code.encode().startswith(SIGNED_PREFIX) and OBJECT_MARK not in code


class LinkedInDelivery(LenientModel):
    """A delivery: LinkedIn batches notifications by event type (documented: 10 at most)."""

    type: str = Field(
        max_length=64,
        description="`ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS` is read; any other type is "
        "acknowledged and ignored.",
    )
    notifications: list[Any] = Field(default_factory=list, max_length=1000)


class LinkedInNotifications(LenientModel):
    """An Organization Social Action Notifications delivery (for the OpenAPI document)."""

    type: str = Field(max_length=64)
    notifications: list[Notification] = Field(max_length=1000)


class LinkedInSource(WordsSource):
    name = SOURCE

    def verify(self, secrets: Any, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        live = live_secrets(secret_field(secrets, CLIENT_SECRETS))
        offered = headers.get(SIGNATURE, "").strip().lower()
        require(live, lambda secret: _hex(secret, SIGNED_PREFIX + body), offered, SIGNATURE)

    def read(self, body: bytes, received: datetime) -> Reading:
        delivery = LinkedInDelivery.model_validate_json(body)  # a JSON object, or a 400
        if delivery.type != EVENT_TYPE:
            return Reading([], Counter({OTHER_TYPE: max(len(delivery.notifications), 1)}))
        model = cache(self.model)
        out = Reading([])
        for raw in delivery.notifications:
            # One notification LinkedIn wrote wrongly (a field missing, a time out of any
            # calendar) is acknowledged and counted alone: a 400 would make LinkedIn resend the
            # whole batch for 8 hours and then drop it, its batch-mates with it.
            try:
                made = notification(Notification.model_validate(raw), received, model)
            except (ValidationError, ValueError, OverflowError):
                made = INVALID_NOTIFICATION
            out.keep(made)
        return out

    def challenge(self, secrets: Any, query: Mapping[str, str]) -> Answer:
        """The validation answer, keyed with the first client secret listed (the live one)."""
        code = query.get("challengeCode", "")
        if not signs_no_delivery(code) or not CHALLENGE_CODE.fullmatch(code):
            reason = "challengeCode is required" if not code else "challengeCode is no UUID"
            return Answer(
                400,
                {
                    "error": "invalid validation request",
                    "fields": [{"field": "challengeCode", "message": reason}],
                },
            )
        live = live_secrets(secret_field(secrets, CLIENT_SECRETS))
        if not live:
            return Answer(401, {"error": "no LinkedIn client secret is configured"})
        return Answer(
            200, {"challengeCode": code, "challengeResponse": _hex(live[0], code.encode())}
        )


def _hex(secret: str, message: bytes) -> str:
    return hmac_sha256(secret.encode(), message).hex()
