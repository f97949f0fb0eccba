"""The generic SMMS's events other than interactions: identify (a link to a contact, with its
consent basis and, optionally, the contact's CRM owner), erase (a person's erasure) and answered
(the team answered an act: it leaves the engage-now queue). See smms.py for the webhook."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
)

from socialscore.domain import permalink
from socialscore.domain.interaction import (
    Answered,
    ConsentBasis,
    ContactId,
    Erase,
    Identify,
    Network,
    OwnerId,
    Permalink,
    UserId,
    UtcDatetime,
    identity_key,
    queueable,
)
from socialscore.sources.base import LenientModel

SOURCE = "smms"
EventId = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(queueable)]


def key_of_link(link: str | None) -> str | None:
    """network#post_id of a permalink ingest can read; rehydrate deals with the others."""
    if link is None:
        return None
    try:
        return permalink.parse(link).key
    except permalink.UnparseablePermalink:
        return None


class SmmsIdentify(LenientModel):
    """Links a network user id to a contact id; refused without a consent basis."""

    type: Literal["identify"]
    id: EventId
    network: Network
    network_user_id: UserId
    contact_id: ContactId
    consent_basis: ConsentBasis
    owner_id: OwnerId | None = Field(
        default=None,
        description="The contact's owner in the CRM (Salesforce user id, HubSpot owner id): "
        "whom this contact's hot lead or complaint is routed to.",
    )
    occurred_at: UtcDatetime

    def normalise(self) -> Identify:
        return Identify(
            event_id=self.id,
            source=SOURCE,
            network=self.network,
            network_user_id=self.network_user_id,
            contact_id=self.contact_id,
            consent_basis=self.consent_basis,
            occurred_at=self.occurred_at,
            owner_id=self.owner_id,
        )


class SmmsErase(BaseModel):
    """Erasure of a person (consent withdrawn): a contact id, or one network user id."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "oneOf": [{"required": ["contact_id"]}, {"required": ["network", "network_user_id"]}]
        },
    )

    type: Literal["erase"]
    id: EventId
    contact_id: ContactId | None = None
    network: Network | None = None
    network_user_id: UserId | None = Field(default=None, validate_default=True)
    occurred_at: UtcDatetime

    @field_validator("network_user_id")
    @classmethod
    def _whom(cls, value: str | None, info: ValidationInfo) -> str | None:
        by_contact = info.data.get("contact_id") is not None
        by_identity = value is not None and info.data.get("network") is not None
        if by_contact == by_identity:
            raise ValueError("name either contact_id, or network and network_user_id")
        return value

    def normalise(self) -> Erase:
        identity = (
            identity_key(self.network, self.network_user_id)
            if self.network_user_id and self.network
            else None
        )
        return Erase(
            event_id=self.id,
            source=SOURCE,
            contact_id=self.contact_id,
            identity=identity,
            occurred_at=self.occurred_at,
        )


class SmmsAnswered(LenientModel):
    """Someone on the team answered an act (a reply, quote or mention): it leaves the
    engage-now queue."""

    type: Literal["answered"]
    id: EventId
    permalink: Permalink = Field(description="The answered act's own post, as a post link.")
    occurred_at: UtcDatetime

    @field_validator("permalink")
    @classmethod
    def _readable(cls, value: HttpUrl) -> HttpUrl:
        if key_of_link(str(value)) is None:
            raise ValueError("not a post link socialscore can read (a short link, a profile?)")
        return value

    def normalise(self) -> Answered:
        post = key_of_link(str(self.permalink))
        assert post is not None  # checked above
        return Answered(event_id=self.id, source=SOURCE, post=post, occurred_at=self.occurred_at)
