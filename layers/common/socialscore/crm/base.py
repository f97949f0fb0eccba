"""The CRM interface: opportunities in, contact scores and social influence out."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from socialscore.domain.opportunity import ContactScore, Opportunity, OpportunityInfluence


class Crm(Protocol):
    name: str

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        """Opportunities modified at or after `since` (all when None): inclusive, so one that
        shares the checkpoint's time but showed up late is not missed (digests absorb repeats)."""
        ...

    def push(self, scores: list[ContactScore], influences: list[OpportunityInfluence]) -> None:
        """Upsert by external id; raise when any record was not accepted."""
        ...
