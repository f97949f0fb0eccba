"""Which journeys there are: every touched profile's touches belong to exactly one.

- `deal#<id>`: a won deal's journey, converted: every organic touch of its linked contacts'
  identities until the deal was opened (a touch after that cannot have caused it).
- `contact#<id>`: a linked contact in no won deal: its identities' touches, not converted.
- `profile#<id>`: a profile linked to no contact (anonymous): its own touches, not converted.

A contact in a won deal is no journey of its own: its touches are the deal's. The units are
what the attribution job keeps a summary of, so a change to a profile, a link or a deal
recomputes only the units it touches. `every_journey` is the recomputation from scratch: what
the kept summaries must always add up to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from socialscore.domain.journeys import ChannelKind, JourneyStats, journey_of
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.touch import Touch

UnitKind = Literal["deal", "contact", "profile"]


def unit_key(kind: UnitKind, name: str) -> str:
    return f"{kind}#{name}"


@dataclass(frozen=True)
class WonDeal:
    id: str
    created_at: datetime
    contacts: tuple[str, ...]  # sorted

    def encode(self) -> list[object]:
        return [self.created_at.isoformat(), list(self.contacts)]

    @classmethod
    def decode(cls, deal_id: str, value: list[Any]) -> WonDeal:
        created, contacts = value
        return cls(deal_id, datetime.fromisoformat(created), tuple(str(c) for c in contacts))


def is_won(stage: str, won_stages: Iterable[str]) -> bool:
    """Stage names compared without case or surrounding blanks: CRMs' labels are edited."""
    return stage.strip().casefold() in {s.strip().casefold() for s in won_stages}


def won_deals(
    opportunities: Iterable[Opportunity], won_stages: Iterable[str]
) -> dict[str, WonDeal]:
    stages = tuple(won_stages)
    return {
        o.id: WonDeal(o.id, o.created_at, tuple(sorted(set(o.contact_ids))))
        for o in opportunities
        if is_won(o.stage, stages)
    }


def deals_by_contact(deals: Mapping[str, WonDeal]) -> dict[str, list[str]]:
    by: dict[str, list[str]] = {}
    for deal in sorted(deals.values(), key=lambda d: d.id):
        for contact in deal.contacts:
            by.setdefault(contact, []).append(deal.id)
    return by


def journey_until(touches: Iterable[Touch], until: datetime | None, kind: ChannelKind) -> list[str]:
    return journey_of((t for t in touches if until is None or t.occurred_at <= until), kind)


def every_journey(
    touches: Mapping[str, list[Touch]],
    links: Mapping[str, str],
    deals: Mapping[str, WonDeal],
    kind: ChannelKind,
) -> JourneyStats:
    """Every journey folded from scratch: `touches` by profile, `links` profile -> contact."""
    identities: dict[str, list[str]] = {}
    for profile, contact in sorted(links.items()):
        identities.setdefault(contact, []).append(profile)
    stats = JourneyStats()
    for deal in sorted(deals.values(), key=lambda d: d.id):
        mine = [t for c in deal.contacts for p in identities.get(c, ()) for t in touches.get(p, ())]
        stats.add(journey_until(mine, deal.created_at, kind), converted=True)
    in_deals = deals_by_contact(deals)
    for contact in sorted(set(identities) - set(in_deals)):
        mine = [t for p in identities[contact] for t in touches.get(p, ())]
        stats.add(journey_of(mine, kind), converted=False)
    for profile in sorted(set(touches) - set(links)):
        stats.add(journey_of(touches[profile], kind), converted=False)
    return stats
