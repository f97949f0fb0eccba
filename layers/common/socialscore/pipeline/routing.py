"""Routing: the owner each hot lead and complaint names (domain.owners), for the profiles of a
batch's events. Costs nothing without an event; else one read of the identity links and, for the
profiles without a CRM owner, their organic items' tally of touches per seller (domain.aggregates
.TALLY, kept in the ledger's own transaction): the hot-lead check passes the items it read
already, so a hot lead costs no more read. Only when two sellers tie on the most touches does
the router read the profile's touches from the ledger: the tie goes to the seller of the latest,
which no count can tell."""

from __future__ import annotations

from dataclasses import dataclass

from socialscore.domain.interaction import Category
from socialscore.domain.owners import Owner, owner_of
from socialscore.domain.standing import ProfileItems
from socialscore.pipeline.ports import CrmOwners, ProfileScores, TouchHistory


@dataclass
class Router:
    links: CrmOwners
    scores: ProfileScores
    ledger: TouchHistory
    queue: str  # where an event goes when neither a CRM owner nor a seller is known

    def owners(self, profiles: list[str], items: ProfileItems | None = None) -> dict[str, Owner]:
        """`items`: the profiles' stored items, when the caller read them already."""
        wanted = sorted(set(profiles))
        if not wanted:
            return {}
        crm = self.links.owners_of(wanted)
        others = [p for p in wanted if p not in crm]
        if items is None:
            items = self.scores.profile_units(others) if others else {}
        owners = {p: Owner("crm_owner", crm[p]) for p in crm}
        for p in others:
            held = items.get((p, Category.ORGANIC))
            tally = held.sellers if held is not None else {}
            top = max(tally.values(), default=0)
            leaders = [seller for seller, n in tally.items() if n == top]
            if len(leaders) == 1:
                owners[p] = Owner("seller", leaders[0])
            elif leaders:  # a tie: the latest touch decides (domain.owners)
                owners[p] = owner_of(None, self.ledger.touches_of(p), self.queue)
            else:
                owners[p] = Owner("queue", self.queue)
        return owners
