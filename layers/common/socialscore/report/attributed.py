"""A period's attributed opportunities, from the splits crm_sync kept with each (domain.attributed):
reads follow the period's opportunities' small items, one Query of the sync-state table's
`by_created` index (store.opportunities), never a journey, a touch or a profile. An opportunity
with no splits kept under the report's model (kept by a release before, or attributed under
another model since) is shown from its journey (report.journeys), as before; while the index
may miss items a release before wrote, the opportunities are read by a scan, as before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from socialscore.domain.attributed import Recorded
from socialscore.domain.scoring_model import ScoringModel
from socialscore.report.journeys import Journeys, view_of
from socialscore.report.rows import OpportunityView

Bound = tuple[datetime | None, datetime | None]


class OpportunityRecords(Protocol):
    """store.opportunities.Opportunities; in memory, MemorySyncState."""

    def indexed(self) -> bool: ...

    def created(self, since: datetime | None, until: datetime | None) -> list[Recorded]: ...

    def every(self) -> list[Recorded]: ...


@dataclass
class AttributedOpportunities:
    """`journeys`: made only when an opportunity has no splits kept to show."""

    records: OpportunityRecords
    journeys: Callable[[], Journeys]
    model: ScoringModel
    _periods: dict[Bound, list[Recorded]] = field(default_factory=dict)
    _every: list[Recorded] | None = None
    _indexed: bool | None = None

    def views(self, since: datetime | None, until: datetime | None) -> list[OpportunityView]:
        """The opportunities created from `since` to before `until`, attributed, by id."""
        chosen = self._read(since, until)
        kept = {r.opportunity.id: a for r in chosen if (a := r.current(self.model)) is not None}
        views = [
            view_of(r.opportunity, kept[r.opportunity.id])
            for r in chosen
            if r.opportunity.id in kept
        ]
        rest = [r.opportunity for r in chosen if r.opportunity.id not in kept]
        views += self.journeys().views(rest) if rest else []
        return sorted(views, key=lambda v: v.id)

    def _read(self, since: datetime | None, until: datetime | None) -> list[Recorded]:
        """Each period read once; all of them from one scan while the index may miss some."""
        if self._indexed is None:
            self._indexed = self.records.indexed()
        if self._indexed:
            if (since, until) not in self._periods:
                self._periods[since, until] = self.records.created(since, until)
            return self._periods[since, until]
        if self._every is None:
            self._every = self.records.every()
        return [
            r
            for r in self._every
            if (since is None or r.opportunity.created_at >= since)
            and (until is None or r.opportunity.created_at < until)
        ]
