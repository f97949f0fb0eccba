"""The generic SMMS webhook contract: a signed batch of interaction and identify events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from socialscore.interaction import (
    ConsentBasis,
    Identify,
    Interaction,
    Kind,
    Network,
    Permalink,
    Tags,
    UserId,
    category_of,
    interaction_id,
    normalise_tags,
)

SOURCE = "smms"
EventId = Annotated[str, Field(min_length=1, max_length=128)]
# Kinds whose act is itself a post (a reply, a quote, a repost), so it may carry a permalink.
KINDS_WITH_OWN_POST = {Kind.COMMENT, Kind.QUOTE, Kind.SHARE, Kind.MENTION}


class SmmsInteraction(BaseModel):
    """One interaction as the SMMS sends it. Unknown fields (post text, handles) are dropped."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["interaction"]
    id: EventId
    network: Network
    kind: Kind
    actor_id: UserId
    target_permalink: Permalink | None = None
    target_user_id: UserId | None = None
    interaction_permalink: Permalink | None = None
    tags: Tags = Field(default_factory=list)
    occurred_at: AwareDatetime

    @model_validator(mode="after")
    def _has_target(self) -> SmmsInteraction:
        if self.kind is Kind.FOLLOW:
            if self.target_user_id is None:
                raise ValueError("a follow needs target_user_id (the account followed)")
        elif self.target_permalink is None:
            raise ValueError(f"a {self.kind.value} needs target_permalink")
        if self.interaction_permalink is not None and self.kind not in KINDS_WITH_OWN_POST:
            raise ValueError(f"a {self.kind.value} has no interaction_permalink")
        return self

    def normalise(self) -> Interaction:
        tags = normalise_tags(self.tags)
        return Interaction(
            interaction_id=interaction_id(SOURCE, self.id),
            source=SOURCE,
            network=self.network,
            kind=self.kind,
            category=category_of(tags),
            actor_id=self.actor_id,
            target_permalink=_url(self.target_permalink),
            target_user_id=self.target_user_id,
            interaction_permalink=_url(self.interaction_permalink),
            tags=tags,
            occurred_at=self.occurred_at,
        )


class SmmsIdentify(BaseModel):
    """Links a network user id to a contact id; refused without a consent basis."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["identify"]
    id: EventId
    network: Network
    network_user_id: UserId
    contact_id: Annotated[str, Field(min_length=1, max_length=128)]
    consent_basis: ConsentBasis
    occurred_at: AwareDatetime

    def normalise(self) -> Identify:
        return Identify(
            event_id=self.id,
            source=SOURCE,
            network=self.network,
            network_user_id=self.network_user_id,
            contact_id=self.contact_id,
            consent_basis=self.consent_basis,
            occurred_at=self.occurred_at,
        )


SmmsEvent = Annotated[SmmsInteraction | SmmsIdentify, Field(discriminator="type")]


class SmmsWebhook(BaseModel):
    """The request body of POST /webhooks/smms."""

    model_config = ConfigDict(extra="ignore")

    events: Annotated[list[SmmsEvent], Field(min_length=1, max_length=100)]


def field_path(loc: tuple[int | str, ...]) -> str:
    """A validation error's location as the sender wrote it: `events.3.actor_id`.

    Pydantic puts the event's type (the union's tag) after its index; the sender never wrote it.
    """
    parts = list(loc)
    if len(parts) > 2 and parts[0] == "events" and parts[2] in {"interaction", "identify"}:
        del parts[2]
    return ".".join(str(p) for p in parts) or "body"


def _url(url: HttpUrl | None) -> str | None:
    return None if url is None else str(url)
