"""The generic SMMS webhook contract: a signed batch of interaction and identify events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    JsonValue,
    ValidationInfo,
    field_validator,
)

from socialscore.domain.acts import act_id, interaction_id
from socialscore.domain.interaction import (
    Interaction,
    Kind,
    Network,
    Permalink,
    Tags,
    UserId,
    UtcDatetime,
    category_of,
    normalise_tags,
)
from socialscore.sources import signatures
from socialscore.sources.base import Answer, LenientModel, Message, live_secrets
from socialscore.sources.smms_events import (
    SOURCE,
    EventId,
    SmmsAnswered,
    SmmsErase,
    SmmsIdentify,
    key_of_link,
)

# Kinds whose act is itself a post (a reply, a quote, a repost), so it may carry a permalink.
KINDS_WITH_OWN_POST = {Kind.COMMENT, Kind.QUOTE, Kind.SHARE, Kind.MENTION}


# What the JSON Schema cannot say with types alone: which target each kind needs.
_TARGET_RULES: list[JsonValue] = [
    {
        "if": {"properties": {"kind": {"const": "follow"}}},
        "then": {"required": ["target_user_id"]},
    },
    {
        "if": {"properties": {"kind": {"const": "mention"}}},
        "then": {"anyOf": [{"required": ["target_permalink"]}, {"required": ["target_user_id"]}]},
    },
    {
        "if": {"properties": {"kind": {"enum": ["like", "share", "quote", "comment", "click"]}}},
        "then": {"required": ["target_permalink"]},
    },
    {
        "if": {"properties": {"kind": {"enum": ["like", "follow", "click"]}}},
        "then": {"not": {"required": ["interaction_permalink"]}},
    },
]
# What the SMMS knows of the post acted on comes with that post's link.
_TARGET_FACTS: dict[str, JsonValue] = {
    "target_author_id": ["target_permalink"],
    "target_created_at": ["target_permalink"],
}


class SmmsInteraction(BaseModel):
    """One interaction as the SMMS sends it. Unknown fields (post text, handles) are dropped."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"allOf": _TARGET_RULES, "dependentRequired": _TARGET_FACTS},
    )

    type: Literal["interaction"]
    id: EventId
    network: Network
    kind: Kind
    actor_id: UserId
    target_user_id: UserId | None = Field(
        default=None,
        validate_default=True,
        description="The account acted on: required for a follow.",
    )
    target_permalink: Permalink | None = Field(
        default=None,
        validate_default=True,
        description="The post acted on: required except for a follow or an account mention.",
    )
    interaction_permalink: Permalink | None = Field(
        default=None,
        validate_default=True,
        description="The act's own post (reply, quote, repost, mention), for intent keywords.",
    )
    target_author_id: UserId | None = Field(
        default=None,
        description="Who wrote the post acted on (a post the SMMS published): credited on this "
        "word without asking a provider. Only with target_permalink.",
    )
    target_created_at: UtcDatetime | None = Field(
        default=None,
        description="When the post acted on was posted, ISO 8601 with a time zone. Only with "
        "target_permalink.",
    )
    tags: Tags = Field(default_factory=list)
    occurred_at: UtcDatetime

    # Field validators, so that a 400 names the field at fault (events.3.target_permalink).
    @field_validator("target_user_id")
    @classmethod
    def _account(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("kind") is Kind.FOLLOW:
            raise ValueError("required for a follow (the account followed)")
        return value

    @field_validator("target_permalink")
    @classmethod
    def _target(cls, value: HttpUrl | None, info: ValidationInfo) -> HttpUrl | None:
        kind, account = info.data.get("kind"), info.data.get("target_user_id")
        account_mention = kind is Kind.MENTION and account is not None
        if value is None and kind not in (None, Kind.FOLLOW) and not account_mention:
            raise ValueError(f"required for a {kind}")
        return value

    @field_validator("target_author_id", "target_created_at")
    @classmethod
    def _of_the_target(cls, value: object, info: ValidationInfo) -> object:
        # A refused link is absent from info.data: its own error says enough.
        no_link = "target_permalink" in info.data and info.data["target_permalink"] is None
        if value is not None and no_link:
            raise ValueError("tells about the post acted on: send it with target_permalink")
        return value

    @field_validator("interaction_permalink")
    @classmethod
    def _own_post(cls, value: HttpUrl | None, info: ValidationInfo) -> HttpUrl | None:
        kind = info.data.get("kind")
        if value is not None and kind is not None and kind not in KINDS_WITH_OWN_POST:
            raise ValueError(f"a {kind.value} has no post of its own")
        return value

    def normalise(self) -> Interaction:
        tags = normalise_tags(self.tags)
        target, own = _url(self.target_permalink), _url(self.interaction_permalink)
        target_post, own_post = key_of_link(target), key_of_link(own)
        if self.kind is Kind.CLICK:  # clicks repeat: only the SMMS's event id tells them apart
            iid = interaction_id(SOURCE, self.id)
        else:
            iid = act_id(
                self.network,
                self.actor_id,
                self.kind,
                target_post or target or self.target_user_id,
                own_post or own,
            )
        return Interaction(
            interaction_id=iid,
            source=SOURCE,
            network=self.network,
            kind=self.kind,
            category=category_of(tags),
            actor_id=self.actor_id,
            # A link ingest could read travels as its post key: no handle in the queues.
            target_permalink=None if target_post else target,
            target_user_id=self.target_user_id,
            interaction_permalink=None if own_post else own,
            target_post=target_post,
            own_post=own_post,
            target_author_id=self.target_author_id,
            target_created_at=self.target_created_at,
            tags=tags,
            occurred_at=self.occurred_at,
        )


SmmsEvent = Annotated[
    SmmsInteraction | SmmsIdentify | SmmsErase | SmmsAnswered, Field(discriminator="type")
]


class SmmsWebhook(LenientModel):
    """The request body of POST /webhooks/smms."""

    events: Annotated[list[SmmsEvent], Field(min_length=1, max_length=100)]


_TYPES = {"interaction", "identify", "erase", "answered"}


def field_path(loc: tuple[int | str, ...]) -> str:
    """A validation error's location as the sender wrote it: `events.3.actor_id`.

    Pydantic puts the event's type (the union's tag) after its index; the sender never wrote it.
    """
    parts = list(loc)
    if len(parts) > 2 and parts[0] == "events" and parts[2] in _TYPES:
        del parts[2]
    return ".".join(str(p) for p in parts) or "body"


def _url(url: HttpUrl | None) -> str | None:
    return None if url is None else str(url)


class SmmsSource:
    """The generic SMMS, signed per Standard Webhooks; its secret entry is a list of whsec_."""

    name = SOURCE
    success_status = 202
    methods: tuple[str, ...] = ("POST",)

    def verify(self, secrets: Any, headers: Mapping[str, str], body: bytes, now: datetime) -> str:
        return signatures.verify(live_secrets(secrets), headers, body, now)

    def messages(self, body: bytes, received: datetime) -> list[Message]:
        return [event.normalise() for event in SmmsWebhook.model_validate_json(body).events]

    def challenge(self, secrets: Any, query: Mapping[str, str]) -> Answer:
        raise NotImplementedError("the SMMS has no verification GET")
