"""Meta (Facebook Page and Instagram) webhooks: verification GET, signatures, and deliveries
read into interactions (each change: see `meta_changes`).

Meta signs the raw body with the app secret (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`)
and proves the endpoint with `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`.
It signs no timestamp and sends no event ids: acts are identified by what they are (act_id), so
a replayed or repeated delivery counts once.

One callback hears everything the app subscribes to: Page `feed` and Instagram comments are
read; Messenger events, other fields and other objects (`user`, `permissions`, ...) are
acknowledged and ignored with their reason, never refused: a 400 would make Meta send the whole
delivery again, the changes beside them included, and fail the same way every time.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from socialscore.sources.base import (
    Answer,
    LenientModel,
    Message,
    Reading,
    live_secrets,
    secret_field,
)
from socialscore.sources.meta_changes import (
    MENTION_WITHOUT_AUTHOR,
    SOURCE,
    FeedValue,
    InstagramValue,
    MetaId,
    MetaTime,
    feed,
    instagram,
    named,
)
from socialscore.sources.signatures import hmac_sha256, require
from socialscore.sources.words import ModelOnce, WordsSource

SIGNATURE = "x-hub-signature-256"
APP_SECRETS = "app_secrets"  # the secret entry's fields (README, Webhooks)
VERIFY_TOKEN = "verify_token"  # noqa: S105 - a field's name, not a token
READ_OBJECTS = frozenset({"page", "instagram"})
INSTAGRAM_COMMENTS = frozenset({"comments", "live_comments"})
# Why a delivery's part is not read at all (see meta_changes for why a read change earns nothing):
# a Messenger event, or a field or object named from these (Meta's webhooks references, Page:
# https://developers.facebook.com/docs/graph-api/webhooks/reference/page/, Instagram:
# https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-instagram/,
# objects: https://developers.facebook.com/docs/graph-api/webhooks/reference), `_other` else.
MESSAGING_EVENT = "messaging_event"
OTHER_FIELDS = {
    "page": frozenset({"mention", "ratings", "messages", "group_feed", "message_reactions"}),
    "instagram": frozenset({"story_insights", "messages", "message_reactions"}),
}
OTHER_OBJECTS = frozenset({"user", "permissions", "application", "whatsapp_business_account"})


class Change(LenientModel):
    field: str
    value: dict[str, Any]


class MetaEntry(LenientModel):
    """An entry carries `changes[]`, or (older and test payloads) one flat `field`/`value`; a Page
    subscribed to Messenger gets `messaging` (or `standby`) entries on the same callback."""

    id: MetaId
    time: MetaTime | None = None
    changes: list[Change] = Field(default_factory=list, max_length=1000)
    # Messenger events: counted and ignored, their contents never read.
    messaging: list[Any] = Field(default_factory=list, max_length=1000)
    standby: list[Any] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def _flat_and_messenger(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "field" in data and "changes" not in data:
            data = {**data, "changes": [{"field": data["field"], "value": data.get("value")}]}
        messenger = data.get("messaging") or data.get("standby")
        if messenger and isinstance(data.get("time"), int | float):
            # A Messenger entry's `time` is in milliseconds (Meta's sample: 1518479195594,
            # https://developers.facebook.com/documentation/business-messaging/messenger-platform/
            # webhooks/webhook-events/messages); a feed entry's, in seconds.
            data = {**data, "time": data["time"] / 1000}
        return data


class MetaWebhook(LenientModel):
    """A delivery of the objects read (`page`, `instagram`)."""

    object: str = Field(
        max_length=64,
        description="`page` and `instagram` are read; any other object is acknowledged and "
        "ignored.",
    )
    entry: list[MetaEntry] = Field(min_length=1, max_length=1000)


class MetaDelivery(LenientModel):
    """What every Meta delivery is, whatever its object: read no further than `object` unless it
    is one of ours."""

    object: str = Field(max_length=64)
    entry: list[Any] = Field(min_length=1, max_length=1000)


V = TypeVar("V", bound=BaseModel)


def _value(model: type[V], change: Change, where: tuple[int | str, ...]) -> V:
    """A change's value as its field's model; errors located where the sender put it."""
    try:
        return model.model_validate(change.value)
    except ValidationError as err:
        errors = [{**e, "loc": (*where, "value", *e["loc"])} for e in err.errors()]
        raise ValidationError.from_exception_data(model.__name__, errors) from None  # type: ignore[arg-type]


def normalise(webhook: MetaWebhook, received: datetime, model: ModelOnce) -> Reading:
    out = Reading([])
    for n, entry in enumerate(webhook.entry):
        if entry.messaging or entry.standby:
            out.ignored[MESSAGING_EVENT] += len(entry.messaging) + len(entry.standby)
        for m, change in enumerate(entry.changes):
            made = _change(
                webhook.object, entry, change, ("entry", n, "changes", m), received, model
            )
            out.keep(made)
    return out


def _change(
    object_: str,
    entry: MetaEntry,
    change: Change,
    where: tuple[int | str, ...],
    received: datetime,
    model: ModelOnce,
) -> Message | str:
    """What one change is, or why it is ignored."""
    at = entry.time or received
    if object_ == "page" and change.field == "feed":
        return feed(_value(FeedValue, change, where), entry.id, at, model)
    if object_ == "instagram" and change.field in INSTAGRAM_COMMENTS:
        return instagram(_value(InstagramValue, change, where), entry.id, at, model)
    if object_ == "instagram" and change.field == "mentions":
        return MENTION_WITHOUT_AUTHOR
    return named("field", change.field, OTHER_FIELDS[object_])


class MetaSource(WordsSource):
    name = SOURCE

    def verify(self, secrets: Any, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        def sign(secret: str) -> str:
            return "sha256=" + hmac_sha256(secret.encode(), body).hex()

        app_secrets = live_secrets(secret_field(secrets, APP_SECRETS))
        require(app_secrets, sign, headers.get(SIGNATURE, "").lower(), SIGNATURE)

    def read(self, body: bytes, received: datetime) -> Reading:
        delivery = MetaDelivery.model_validate_json(body)
        if delivery.object not in READ_OBJECTS:
            ignored = named("object", delivery.object, OTHER_OBJECTS)
            return Reading([], Counter({ignored: len(delivery.entry)}))
        # The entries as parsed (raw JSON values): validated once, as a page or Instagram's.
        webhook = MetaWebhook.model_validate({"object": delivery.object, "entry": delivery.entry})
        return normalise(webhook, received, cache(self.model))

    def challenge(self, secrets: Any, query: Mapping[str, str]) -> Answer:
        """Meta's subscription check; `hub_mode` spellings are accepted too."""

        def param(name: str) -> str:
            return query.get(f"hub.{name}") or query.get(f"hub_{name}") or ""

        token = str(secret_field(secrets, VERIFY_TOKEN) or "")
        if param("mode") != "subscribe" or not param("challenge"):
            return Answer(400, {"error": "hub.mode=subscribe and hub.challenge are required"})
        if not token or not hmac.compare_digest(param("verify_token").encode(), token.encode()):
            return Answer(403, {"error": "hub.verify_token does not match"})
        return Answer(200, param("challenge"), {"content-type": "text/plain"})
