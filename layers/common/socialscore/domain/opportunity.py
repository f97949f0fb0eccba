"""What crosses the CRM boundary: opportunities in; contact scores, social influence, hot-lead
tasks and complaint cases out."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from socialscore.domain import money
from socialscore.domain.touch import Touch, complaint_key, own_link


class Opportunity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Annotated[str, Field(min_length=1)]
    contact_ids: list[str]
    # Before the amount, which is validated in it.
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    amount: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
    created_at: AwareDatetime
    modified_at: AwareDatetime
    stage: str = ""

    @field_validator("amount")
    @classmethod
    def _in_minor_unit(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        """Whatever a CRM holds (Salesforce keeps an API-written amount unrounded, a HubSpot
        number property any decimals), the amount is the one rule's rounding of it to its
        currency's minor unit: every reader of any CRM gets the same amount."""
        currency = info.data.get("currency")
        return money.rounded(amount, currency) if currency else amount


class ContactScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str
    organic_score: float
    paid_score: float
    model_version: str
    # The latest counted organic touch over the contact's identities; None: none, or not known
    # yet (the CRM field is then left empty).
    last_organic_touch: AwareDatetime | None = None
    # The scoring model's buckets the contact is in (domain.buckets), in the model's order.
    buckets: list[str] = []


class OpportunityInfluence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    opportunity_id: str
    currency: str
    attributed_amount: Decimal
    attribution_model: str
    touches: int
    by_seller: dict[str, Decimal]
    by_post: dict[str, Decimal]
    by_network: dict[str, Decimal]


class InfluenceRecord(BaseModel):
    """One line of an opportunity's breakdown as the CRM keeps it: the amount one seller (or one
    post) earned under one attribution model. `key` is its external id: upserting by it never
    duplicates a record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    opportunity_id: str
    model: str
    seller_id: str | None = None
    team: str | None = None
    post: str | None = None
    network: str | None = None
    amount: Decimal
    currency: str
    touches: int
    # Whether `model` is the primary attribution model: a CRM report that sums only these
    # records sums each deal once (every model's records add up to the deal's amount).
    primary: bool = False


class HotLeadTask(BaseModel):
    """A task for a person: a contact whose organic score crossed the hot-lead threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str  # the identity that crossed (network#user id): a task is opened once per profile
    contact_id: str
    organic_score: float
    threshold: float


class ComplaintCase(BaseModel):
    """A case for a person: a contact's reply, quote or mention whose own words hit complaint
    phrases. Ids, a link made from ids and the phrases: never the words, never a handle."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str  # the Complaint event's id, and the case's external id: one case per act
    contact_id: str
    profile: str  # the identity that complained (network#user id)
    interaction_id: str
    network: str
    kind: str
    post: str | None  # the post it answers
    seller_id: str | None  # whose post that is (None: no registered seller's)
    permalink: str | None  # the act's own post
    phrases: list[str]
    occurred_at: AwareDatetime

    @classmethod
    def of(cls, touch: Touch, contact_id: str) -> ComplaintCase:
        return cls(
            key=complaint_key(touch),
            contact_id=contact_id,
            profile=touch.profile,
            interaction_id=touch.interaction_id,
            network=touch.network.value,
            kind=touch.kind.value,
            post=touch.post,
            seller_id=touch.seller_id,
            permalink=own_link(touch),
            phrases=list(touch.complaint_hits),
            occurred_at=touch.occurred_at,
        )
