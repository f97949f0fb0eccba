"""What crosses the CRM boundary: opportunities in; contact scores, social influence and hot-lead
tasks out."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Opportunity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Annotated[str, Field(min_length=1)]
    contact_ids: list[str]
    amount: Annotated[Decimal, Field(ge=0, decimal_places=2)]
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    created_at: AwareDatetime
    modified_at: AwareDatetime
    stage: str = ""


class ContactScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: str
    organic_score: float
    paid_score: float
    model_version: str
    # The latest counted organic touch over the contact's identities; None: none, or not known
    # yet (the CRM field is then left empty).
    last_organic_touch: AwareDatetime | None = None


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


class HotLeadTask(BaseModel):
    """A task for a person: a contact whose organic score crossed the hot-lead threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str  # the identity that crossed (network#user id): a task is opened once per profile
    contact_id: str
    organic_score: float
    threshold: float
