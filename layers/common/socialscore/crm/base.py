"""The CRM boundary: opportunities in, contact scores and social influence out."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Protocol

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


class Crm(Protocol):
    name: str

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        """Opportunities modified at or after `since` (all when None): inclusive, so one that
        shares the checkpoint's time but showed up late is not missed (digests absorb repeats)."""
        ...

    def push(self, scores: list[ContactScore], influences: list[OpportunityInfluence]) -> None:
        """Upsert by external id; raise when any record was not accepted."""
        ...
