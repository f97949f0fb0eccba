"""A period's attributed opportunities, from the splits crm_sync kept with each (domain.attributed):
reads follow the period's opportunities' small items, one Query of the sync-state table's
`by_created` index (store.opportunities), never a journey, a touch or a profile. An opportunity
with no splits kept under the report's model's attribution rules (kept by a release before,
attributed under other rules since, or too large to keep) is shown from its journey
(report.journeys), as before; while the index may miss items a release before wrote, the
opportunities are read by a scan, as before.

The sums by seller, post or network (the leaderboard's, posts' and the report's attributed
columns) are added up as the index's pages arrive: no opportunity is held, so memory is a
page's, whatever the number of opportunities."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from socialscore.domain.attributed import DIMENSIONS, Recorded
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.scoring_model import ScoringModel
from socialscore.report.journeys import Journeys, summed, view_of
from socialscore.report.rows import Amounts, OpportunityView, Packed

Bound = tuple[datetime | None, datetime | None]
Sums = dict[str, dict[str, Amounts]]  # currency -> model -> who -> amount


class UnknownOpportunity(LookupError):
    """No opportunity by that id: crm_sync has not seen it."""


class KeptOpportunities(Protocol):
    """store.sync_state.SyncStateStore: the opportunities crm_sync keeps, by id."""

    def opportunities(self, ids: Iterable[str]) -> list[Opportunity]: ...


def view_one(
    records: KeptOpportunities, journeys: Journeys, opportunity_id: str
) -> OpportunityView:
    """One opportunity (crm_sync's record of it, read by key) and its journey alone."""
    found = records.opportunities([opportunity_id])
    if not found:
        raise UnknownOpportunity(f"no opportunity {opportunity_id}: crm_sync has not seen it")
    return journeys.view(found[0])


class OpportunityRecords(Protocol):
    """store.opportunities.Opportunities; in memory, MemorySyncState."""

    def indexed(self) -> bool: ...

    def created(self, since: datetime | None, until: datetime | None) -> Iterable[Recorded]: ...

    def every(self) -> list[Recorded]: ...


@dataclass
class AttributedOpportunities:
    """`journeys`: made only when an opportunity has no splits kept to show."""

    records: OpportunityRecords
    journeys: Callable[[], Journeys]
    model: ScoringModel
    _views: dict[Bound, list[OpportunityView]] = field(default_factory=dict)
    _sums: dict[Bound, dict[str, Sums]] = field(default_factory=dict)
    _every: list[Recorded] | None = None
    _indexed: bool | None = None

    def views(self, since: datetime | None, until: datetime | None) -> list[OpportunityView]:
        """The opportunities created from `since` to before `until`, attributed, by id."""
        if (since, until) not in self._views:
            views: list[OpportunityView] = []
            rest: list[Opportunity] = []
            for r in self._read(since, until):
                if (kept := r.current(self.model)) is not None:  # held packed: many are
                    views.append(
                        replace(view_of(r.opportunity, kept), by_model=Packed(kept.by_model))
                    )
                else:
                    rest.append(r.opportunity)
            views += self._from_journeys(rest)
            self._views[since, until] = sorted(views, key=lambda v: v.id)
        return self._views[since, until]

    def summed(self, dimension: str, since: datetime | None, until: datetime | None) -> Sums:
        """currency -> model -> who -> amount over the period's opportunities (journeys.summed
        of their views), in one pass for the three dimensions, each page let go once added."""
        if (since, until) in self._views:
            return summed(self._views[since, until], dimension)
        if (since, until) not in self._sums:
            sums: dict[str, Sums] = {d: {} for d in DIMENSIONS}
            rest: list[Opportunity] = []
            for r in self._read(since, until):
                if (kept := r.current(self.model)) is not None:
                    _add(sums, r.opportunity.currency, kept.by_model)
                else:
                    rest.append(r.opportunity)
            for v in self._from_journeys(rest):
                _add(sums, v.currency, v.by_model)
            self._sums[since, until] = {d: dict(sorted(s.items())) for d, s in sums.items()}
        return self._sums[since, until][dimension]

    def _from_journeys(self, opps: list[Opportunity]) -> list[OpportunityView]:
        return self.journeys().views(opps) if opps else []

    def _read(self, since: datetime | None, until: datetime | None) -> Iterable[Recorded]:
        """The period's items from the index; from one scan while it may miss some."""
        if self._indexed is None:
            self._indexed = self.records.indexed()
        if self._indexed:
            return self.records.created(since, until)
        if self._every is None:
            self._every = self.records.every()
        return [
            r
            for r in self._every
            if (since is None or r.opportunity.created_at >= since)
            and (until is None or r.opportunity.created_at < until)
        ]


def _add(
    sums: dict[str, Sums], currency: str, by_model: Mapping[str, Mapping[str, Amounts]]
) -> None:
    for name, dims in by_model.items():
        for dim, each in dims.items():
            amounts = sums[dim].setdefault(currency, {}).setdefault(name, {})
            for who, amount in each.items():
                amounts[who] = amounts.get(who, Decimal(0)) + amount
