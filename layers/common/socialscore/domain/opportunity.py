"""What crosses the CRM boundary: opportunities in, contact scores and social influence out."""

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
