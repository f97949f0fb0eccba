"""Routing: the owner each hot lead and complaint names (domain.owners), for the profiles of a
batch's events. Costs nothing without an event; else one read of the identity links and one
ledger query per profile (events are rare: once per hot profile, once per complaining act)."""

from __future__ import annotations

from dataclasses import dataclass

from socialscore.domain.owners import Owner, owner_of
from socialscore.pipeline.ports import CrmOwners, TouchHistory


@dataclass
class Router:
    links: CrmOwners
    ledger: TouchHistory
    queue: str  # where an event goes when neither a CRM owner nor a seller is known

    def owners(self, profiles: list[str]) -> dict[str, Owner]:
        wanted = sorted(set(profiles))
        if not wanted:
            return {}
        crm = self.links.owners_of(wanted)
        return {
            p: owner_of(crm.get(p), () if p in crm else self.ledger.touches_of(p), self.queue)
            for p in wanted
        }
