"""A world for the attribution job in memory: touches by profile, identity links, the CRM's
opportunities as crm_sync stored them, and change marks as the ledger, the resolve stage and
the erasure leave them; the job's own state is local/socialscore_local's MemoryJourneyState.

`every_journey(world.touches, world.links, won deals)` is the recomputation from scratch the
job's kept counts are compared with."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.journey_units import every_journey, won_deals
from socialscore.domain.journeys import ChannelKind, JourneyStats
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.touch import Touch
from socialscore.pipeline.channel_attribution import DEFAULT_WON_STAGES, ChannelAttributionJob
from socialscore_local.memory.journey_state import MemoryJourneyState

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def touch(
    n: int,
    profile: str,
    hours: float,
    seller: str | None = "s-ana",
    category: Category = Category.ORGANIC,
    kind: Kind = Kind.LIKE,
) -> Touch:
    return Touch(
        profile=profile,
        dedupe_key=f"i#{n}",
        interaction_id=f"iid-{n}",
        network=Network.X,
        kind=kind,
        category=category,
        weight=1.0,
        units=Decimal(1),
        occurred_at=T0 + timedelta(hours=hours),
        post="x#1",
        own_post=None,
        seller_id=seller,
        team=None if seller is None else f"team-{seller}",
        intent_hits=(),
        model_version="v1",
    )


def opportunity(deal: str, contacts: list[str], hours: float, stage: str) -> Opportunity:
    created = T0 + timedelta(hours=hours)
    return Opportunity(
        id=deal,
        contact_ids=contacts,
        amount=Decimal("100.00"),
        currency="USD",
        created_at=created,
        modified_at=created,
        stage=stage,
    )


class World:
    def __init__(self) -> None:
        self.touches: dict[str, list[Touch]] = {}
        self.links: dict[str, str] = {}  # profile -> contact
        self.opps: dict[str, Opportunity] = {}
        self.marks: list[tuple[datetime, str, str]] = []  # (at, "profiles" | "contacts", id)
        self.saved: dict[str, dict[str, Any]] = {}
        self.now = T0
        self.reads = 0  # touches_of calls: what a run reads grows with

    # --- what the pipeline does, with the marks it leaves -------------------------------------
    def record(self, t: Touch) -> None:
        self.touches.setdefault(t.profile, []).append(t)
        self._mark("profiles", t.profile)

    def retract(self, profile: str, index: int) -> None:
        mine = self.touches.get(profile, [])
        if mine:
            del mine[index % len(mine)]
            self._mark("profiles", profile)

    def link(self, profile: str, contact: str) -> None:
        before = self.links.get(profile)
        self.links[profile] = contact
        self._relinked(profile, before if before != contact else None)

    def unlink(self, profile: str) -> None:
        self._relinked(profile, self.links.pop(profile, None))

    def erase(self, profile: str) -> None:
        """As the erasure does: the ledger's entries go (the ledger marks the profile), then
        the link."""
        if self.touches.pop(profile, None) is not None:
            self._mark("profiles", profile)
        self.links.pop(profile, None)

    def _relinked(self, profile: str, left: str | None) -> None:
        self._mark("profiles", profile)
        if left is not None:
            self._mark("contacts", left)

    def _mark(self, kind: str, name: str) -> None:
        self.marks.append((self.now, kind, name))

    # --- the job's ports ----------------------------------------------------------------------
    def touches_of(self, profile: str) -> list[Touch]:
        self.reads += 1
        return list(self.touches.get(profile, []))

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        return {i: self.links[i] for i in identities if i in self.links}

    def identities_of(self, contact_id: str) -> list[str]:
        return sorted(p for p, c in self.links.items() if c == contact_id)

    def every_opportunity(self) -> list[Opportunity]:
        return list(self.opps.values())

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        found = [(k, i) for at, k, i in self.marks if since <= at <= until]
        return {i for k, i in found if k == "profiles"}, {i for k, i in found if k == "contacts"}

    def hold(self, since: datetime) -> None:
        pass  # every mark is kept until folded

    def folded(self, since: datetime | None, until: datetime) -> None:
        self.marks = [m for m in self.marks if m[0] >= until]

    def profiles_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        after = sorted(p for p in self.touches if p > cursor)
        page = after[:limit]
        return page, (page[-1] if len(after) > limit else "")

    def save(self, version: str, as_of: str, result: dict[str, Any]) -> None:
        self.saved[version] = result

    # --- the oracle -----------------------------------------------------------------------------
    def recomputed(self, channel: ChannelKind = "seller") -> JourneyStats:
        deals = won_deals(self.opps.values(), DEFAULT_WON_STAGES)
        return every_journey(self.touches, self.links, deals, channel)


def job(
    world: World, state: MemoryJourneyState, channel: ChannelKind = "seller", piece: int = 200
) -> ChannelAttributionJob:
    return ChannelAttributionJob(
        links=world,
        ledger=world,
        opportunities=world,
        changes=world,
        profiles=world,
        state=state,
        store=world,
        model_version="v1",
        channel=channel,
        piece=piece,
        page=2,
    )


def clock(ticks: int) -> Callable[[], float]:
    """seconds_left for a run that has time for `ticks` checks, then none."""
    left = [ticks]

    def seconds_left() -> float:
        left[0] -= 1
        return math.inf if left[0] >= 0 else 0.0

    return seconds_left
