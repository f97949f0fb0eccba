"""The algorithmic attribution job: every contact's journey, Markov and Shapley shares, stored.

One run reads every linked contact (one Scan of the identities), their opportunities as
crm_sync last stored them (two BatchGetItem rounds, 100 keys a call) and each identity's
touches (one Query each; a contact in several won deals is read once a deal), then folds each
journey into `JourneyStats` as soon as it is built: reads and compute both grow linearly with
contacts and touches, and no journey is kept. A journey is a won deal's (converted: one
conversion per won deal) or a contact's in no won deal (not converted).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from socialscore.domain.journeys import ChannelKind, JourneyStats, journey_of, markov, shapley
from socialscore.domain.opportunity import Opportunity
from socialscore.pipeline.ports import (
    ChannelShareStore,
    ContactDirectory,
    OpportunityReader,
    TouchHistory,
)

DEFAULT_WON_STAGES = ("Closed Won", "closedwon")  # Salesforce's label, HubSpot's stage id
_DIGITS = 6


def is_won(stage: str, won_stages: Iterable[str]) -> bool:
    """Stage names compared without case or surrounding blanks: CRMs' labels are edited."""
    return stage.strip().casefold() in {s.strip().casefold() for s in won_stages}


@dataclass
class ChannelAttributionJob:
    contacts: ContactDirectory
    ledger: TouchHistory
    opportunities: OpportunityReader
    store: ChannelShareStore
    model_version: str
    channel: ChannelKind = "seller"
    won_stages: tuple[str, ...] = DEFAULT_WON_STAGES

    def run(self, as_of: datetime) -> dict[str, Any]:
        """Compute and store the result as of the slot time; returns what was stored.

        One conversion per won deal, whoever and however many its contacts: a won deal's
        journey is every organic touch of its linked contacts until the deal was opened (as the
        rule-based models' window ends: a touch after that cannot have caused it). A contact in
        no won deal is a journey that did not convert. A contact in a won deal is no journey of
        its own: its touches are the deal's."""
        as_of = as_of.astimezone(UTC)
        linked = self.contacts.all_contacts()
        won = self._won(linked)
        stats = JourneyStats()
        without_touch = 0
        for deal in won:
            contacts = [c for c in deal.contact_ids if c in linked]
            journey = self._journey(contacts, linked, min(as_of, deal.created_at))
            if not journey:
                without_touch += 1
            stats.add(journey, converted=True)
        in_won = {c for deal in won for c in deal.contact_ids}
        for contact in sorted(set(linked) - in_won):
            stats.add(self._journey([contact], linked, as_of), converted=False)
        version = f"{as_of.date().isoformat()}#{self.model_version}"
        chain = markov(stats)
        result: dict[str, Any] = {
            "version": version,
            "as_of": as_of.isoformat(),
            "model_version": self.model_version,
            "channel": self.channel,
            "journeys": stats.journeys,
            "conversions": stats.conversions,
            # Won deals whose contacts had no organic touch: outside both models, reported so
            # conversions + conversions_without_touch is the CRM's count of won deals.
            "conversions_without_touch": without_touch,
            "touches": stats.touches,
            "conversion_probability": round(chain.conversion_probability, _DIGITS),
            "removal_effects": _rounded(chain.removal_effects),
            "markov": _rounded(chain.shares),
            "shapley": _rounded(shapley(stats)),
        }
        self.store.save(version, as_of.isoformat(), result)
        return result

    def _journey(
        self, contacts: list[str], linked: dict[str, list[str]], until: datetime
    ) -> list[str]:
        touches = [
            t
            for contact in contacts
            for identity in linked[contact]
            for t in self.ledger.touches_of(identity)
            if t.occurred_at <= until
        ]
        return journey_of(touches, self.channel)

    def _won(self, linked: dict[str, list[str]]) -> list[Opportunity]:
        """The won opportunities of the linked contacts, each once, by id."""
        ids = self.opportunities.opportunities_of(linked)
        found = self.opportunities.opportunities(ids) if ids else []
        won = {o.id: o for o in found if is_won(o.stage, self.won_stages)}
        return [won[i] for i in sorted(won)]


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, _DIGITS) for k, v in sorted(values.items())}
