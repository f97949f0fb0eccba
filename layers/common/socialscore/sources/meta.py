"""Meta (Facebook Page and Instagram) webhooks: verification GET, signatures, and changes
normalised to interactions.

Meta signs the raw body with the app secret (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`)
and proves the endpoint with `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`.
It signs no timestamp and sends no event ids: acts are identified by what they are (act_id), so
a replayed or repeated delivery counts once.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from socialscore.domain.interaction import (
    Answered,
    Kind,
    Network,
    PostDeleted,
    act,
    post_key,
    retraction,
)
from socialscore.sources.base import (
    Answer,
    Message,
    NetworkId,
    live_secrets,
    secret_field,
    unix_time,
)
from socialscore.sources.signatures import hmac_sha256, require

SOURCE = "meta"
SIGNATURE = "x-hub-signature-256"


MetaId = Annotated[NetworkId, Field(max_length=64, pattern=r"^[0-9_]+$")]


def _time(value: Any) -> Any:
    if isinstance(value, int | float):
        return unix_time(value)
    return value


MetaTime = Annotated[datetime, BeforeValidator(_time)]


class MetaUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: MetaId


class FeedValue(BaseModel):
    """A Page `feed` change. Older payloads name the actor `sender_id` instead of `from`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    item: str
    verb: str
    post_id: MetaId | None = None
    comment_id: MetaId | None = None
    parent_id: MetaId | None = None  # a reply's: the comment it answers (the post, top-level)
    share_id: MetaId | None = None
    reaction_type: str | None = None
    from_: MetaUser | None = Field(default=None, alias="from")
    sender_id: MetaId | None = None
    created_time: MetaTime | None = None

    @property
    def actor(self) -> str | None:
        return self.from_.id if self.from_ else self.sender_id


class InstagramMedia(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: MetaId


class InstagramValue(BaseModel):
    """An Instagram `comments` or `mentions` change."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: MetaId | None = None  # the comment
    parent_id: MetaId | None = None  # a reply's: the comment it answers
    comment_id: MetaId | None = None  # mentions
    media_id: MetaId | None = None  # mentions
    media: InstagramMedia | None = None
    from_: MetaUser | None = Field(default=None, alias="from")


class Change(BaseModel):
    model_config = ConfigDict(extra="ignore")

    field: str
    value: dict[str, Any]


class MetaEntry(BaseModel):
    """An entry carries `changes[]`, or (older and test payloads) one flat `field`/`value`."""

    model_config = ConfigDict(extra="ignore")

    id: MetaId
    time: MetaTime | None = None
    changes: list[Change] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        if isinstance(data, dict) and "field" in data and "changes" not in data:
            data = {**data, "changes": [{"field": data["field"], "value": data.get("value")}]}
        return data


class MetaWebhook(BaseModel):
    model_config = ConfigDict(extra="ignore")

    object: Literal["page", "instagram"]
    entry: list[MetaEntry] = Field(min_length=1, max_length=1000)


def _answer(network: Network, reply: str | None, parent: str, at: datetime) -> Answered:
    """The account's own reply to a comment: that comment leaves the engage-now queue."""
    return Answered(
        event_id=reply or parent, source=SOURCE, post=post_key(network, parent), occurred_at=at
    )


def _feed(value: FeedValue, page: str, fallback: datetime) -> Message | None:
    actor, post = value.actor, value.post_id
    at = value.created_time or fallback
    own_reply = value.item == "comment" and value.verb == "add" and actor == page
    if own_reply and value.parent_id and value.parent_id != post:
        return _answer(Network.FACEBOOK, value.comment_id, value.parent_id, at)
    if actor is None or post is None or actor == page:  # the page's own activity earns nothing
        return None
    author = page if post.startswith(f"{page}_") else None
    remove = value.verb == "remove"
    if value.item == "reaction":  # like, love, care, haha, wow, sorry, anger: all applause
        if remove:
            return retraction(SOURCE, Network.FACEBOOK, Kind.LIKE, actor, at, target_post_id=post)
        return act(
            SOURCE,
            Network.FACEBOOK,
            Kind.LIKE,
            actor,
            at,
            target_post_id=post,
            target_author_id=author,
        )
    own = value.comment_id if value.item == "comment" else value.share_id
    kind = {"comment": Kind.COMMENT, "share": Kind.SHARE}.get(value.item)
    if kind is None or own is None:
        return None  # posts, statuses, photos: the page's content, not an interaction
    if remove:  # a deleted comment or share takes back exactly the act it was
        return PostDeleted(source=SOURCE, post=post_key(Network.FACEBOOK, own), occurred_at=at)
    return act(
        SOURCE,
        Network.FACEBOOK,
        kind,
        actor,
        at,
        target_post_id=post,
        target_author_id=author,
        own_post_id=own,
    )


def _instagram(field: str, value: InstagramValue, account: str, at: datetime) -> Message | None:
    own = value.from_ is not None and value.from_.id == account
    if own and field == "comments" and value.parent_id:
        return _answer(Network.INSTAGRAM, value.id, value.parent_id, at)
    if value.from_ is None or value.from_.id == account:
        # A mention names the comment and media but not who wrote it; without an actor there
        # is nobody to credit (a provider lookup of the comment would tell).
        return None
    media = value.media.id if value.media else value.media_id
    if media is None:
        return None
    kind = Kind.COMMENT if field == "comments" else Kind.MENTION
    return act(
        SOURCE,
        Network.INSTAGRAM,
        kind,
        value.from_.id,
        at,
        target_post_id=media,
        target_author_id=account if kind is Kind.COMMENT else None,
        target_user_id=account if kind is Kind.MENTION else None,
        own_post_id=value.id or value.comment_id,
    )


V = TypeVar("V", bound=BaseModel)


def _value(model: type[V], change: Change, where: tuple[int | str, ...]) -> V:
    """A change's value as its field's model; errors located where the sender put it."""
    try:
        return model.model_validate(change.value)
    except ValidationError as err:
        errors = [{**e, "loc": (*where, "value", *e["loc"])} for e in err.errors()]
        raise ValidationError.from_exception_data(model.__name__, errors) from None  # type: ignore[arg-type]


def normalise(webhook: MetaWebhook, received: datetime) -> list[Message]:
    out: list[Message] = []
    for n, entry in enumerate(webhook.entry):
        at = entry.time or received
        for m, change in enumerate(entry.changes):
            where = ("entry", n, "changes", m)
            message: Message | None = None
            if webhook.object == "page" and change.field == "feed":
                message = _feed(_value(FeedValue, change, where), entry.id, at)
            elif webhook.object == "instagram" and change.field in {"comments", "mentions"}:
                value = _value(InstagramValue, change, where)
                message = _instagram(change.field, value, entry.id, at)
            if message is not None:
                out.append(message)
    return out


class MetaSource:
    name = SOURCE
    success_status = 200
    methods: tuple[str, ...] = ("GET", "POST")

    def verify(self, secrets: Any, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        def sign(secret: str) -> str:
            return "sha256=" + hmac_sha256(secret.encode(), body).hex()

        app_secrets = live_secrets(secret_field(secrets, "app_secrets"))
        require(app_secrets, sign, headers.get(SIGNATURE, "").lower(), SIGNATURE)

    def messages(self, body: bytes, received: datetime) -> list[Message]:
        return normalise(MetaWebhook.model_validate_json(body), received)

    def challenge(self, secrets: Any, query: Mapping[str, str]) -> Answer:
        """Meta's subscription check; `hub_mode` spellings are accepted too."""

        def param(name: str) -> str:
            return query.get(f"hub.{name}") or query.get(f"hub_{name}") or ""

        token = str(secret_field(secrets, "verify_token") or "")
        if param("mode") != "subscribe" or not param("challenge"):
            return Answer(400, {"error": "hub.mode=subscribe and hub.challenge are required"})
        if not token or not hmac.compare_digest(param("verify_token").encode(), token.encode()):
            return Answer(403, {"error": "hub.verify_token does not match"})
        return Answer(200, param("challenge"), {"content-type": "text/plain"})
