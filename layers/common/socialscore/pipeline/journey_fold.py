"""Folding changed profiles, contacts and deals into the kept journey summaries and counts.

A piece of work names what changed (`p:<profile>`, `c:<contact>`, `d:<deal>`); it is widened to
every journey unit that may have moved (domain.journey_units), each unit is recomputed from the
current touches, links and won deals, and where its summary differs the old one is taken out
of the counts and the new one folded in. Recomputing a unit twice changes nothing, so a piece
redone after a failure, or a change read twice, is harmless: the counts always equal a
recomputation from scratch once every changed unit is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from socialscore.domain.journey_units import WonDeal, deals_by_contact, journey_until, unit_key
from socialscore.domain.journeys import ChannelKind, JourneySummary, summary_of
from socialscore.domain.touch import Touch
from socialscore.pipeline.attribution_ports import Book, JourneyLinks, JourneyState, Step
from socialscore.pipeline.ports import TouchHistory

# Reads in flight at once. A boto3 client, once made, is safe to share between threads
# (boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#multithreading-or-
# multiprocessing-with-clients; the job makes it before the first piece), and botocore's
# connection pool holds 10 by default (Config max_pool_connections).
READERS = 10


@dataclass
class Fold:
    links: JourneyLinks
    ledger: TouchHistory
    state: JourneyState
    deals: Mapping[str, WonDeal]  # the won deals now
    channel: ChannelKind
    _of_contact: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_contact = deals_by_contact(self.deals)

    def apply(
        self, work: Iterable[str], book: Book, deals: Mapping[str, WonDeal | None] | None = None
    ) -> None:
        """Recompute the units `work` reaches, fold the differences into `book.stats` and save
        the summaries, pointers, `deals` as folded and book together (the book as the caller
        moved it on)."""
        self._of_contact = {}  # a piece's own: memory stays a piece's, whatever the run's
        keys = sorted(set(work))
        profiles = [k[2:] for k in keys if k.startswith("p:")]
        contacts = {k[2:] for k in keys if k.startswith("c:")}
        units = {unit_key("deal", k[2:]) for k in keys if k.startswith("d:")}
        linked = self.links.contacts_of(profiles) if profiles else {}
        before = self.state.pointers(profiles) if profiles else {}
        for p in profiles:
            units.add(unit_key("profile", p))
            contacts.update(c for c in (linked.get(p), before.get(p)) if c)
        self._prefetch_identities(sorted(contacts))
        identities = {c: self._identities(c) for c in sorted(contacts)}
        for c in contacts:
            units.add(unit_key("contact", c))
            units.update(unit_key("deal", d) for d in self._by_contact.get(c, ()))
        pointers = self._pointers(profiles, linked, before, identities)
        touches = self._read_touches(units, identities)
        fresh = {u: self._summary(u, linked, touches) for u in sorted(units)}
        kept = self.state.summaries(sorted(units))
        writes: dict[str, JourneySummary | None] = {}
        for unit, new in fresh.items():
            old = kept.get(unit)
            if old == new:
                continue
            if old is not None:
                book.stats.fold(old, -1)
            if new is not None:
                book.stats.fold(new)
            writes[unit] = new
        self.state.commit(Step(writes, pointers, deals or {}), book)

    def _pointers(
        self,
        profiles: list[str],
        linked: Mapping[str, str],
        before: Mapping[str, str],
        identities: Mapping[str, list[str]],
    ) -> dict[str, str | None]:
        """Each identity of a recomputed contact points at it, so a later change to the
        identity (moved to another contact, unlinked, erased) finds the journeys it left."""
        wanted = {p: c for c, ids in identities.items() for p in ids}
        now = self.state.pointers(sorted(set(wanted) - set(before))) if wanted else {}
        now.update(before)
        moves: dict[str, str | None] = {p: c for p, c in wanted.items() if now.get(p) != c}
        moves.update({p: None for p in profiles if p not in linked and p in before})
        return moves

    def _prefetch_identities(self, contacts: list[str]) -> None:
        """A contact's identities are a Query each: `READERS` at once."""
        todo = [c for c in contacts if c not in self._of_contact]
        with ThreadPoolExecutor(READERS) as pool:
            for contact, found in zip(todo, pool.map(self.links.identities_of, todo), strict=True):
                self._of_contact[contact] = sorted(found)

    def _read_touches(
        self, units: set[str], identities: Mapping[str, list[str]]
    ) -> dict[str, list[Touch]]:
        """Every touch the units are made of, a Query a profile, `READERS` at once: a day's
        changed profiles are read in a fraction of the time one after the other would take."""
        profiles = {u.split("#", 1)[1] for u in units if u.startswith("profile#")}
        profiles.update(p for ids in identities.values() for p in ids)
        for unit in units:
            deal = self.deals.get(unit.split("#", 1)[1]) if unit.startswith("deal#") else None
            if deal is not None:
                profiles.update(p for c in deal.contacts for p in self._identities(c))
        ordered = sorted(profiles)
        with ThreadPoolExecutor(READERS) as pool:
            return dict(zip(ordered, pool.map(self.ledger.touches_of, ordered), strict=True))

    def _identities(self, contact: str) -> list[str]:
        if contact not in self._of_contact:
            self._of_contact[contact] = sorted(self.links.identities_of(contact))
        return self._of_contact[contact]

    def _touches(self, profiles: Iterable[str], cache: dict[str, list[Touch]]) -> list[Touch]:
        for p in profiles:
            if p not in cache:
                cache[p] = self.ledger.touches_of(p)
        return [t for p in profiles for t in cache[p]]

    def _summary(
        self, unit: str, linked: Mapping[str, str], cache: dict[str, list[Touch]]
    ) -> JourneySummary | None:
        kind, name = unit.split("#", 1)
        if kind == "profile":
            if name in linked:  # its touches are its contact's journey
                return None
            return summary_of(
                journey_until(self._touches([name], cache), None, self.channel), False
            )
        if kind == "contact":
            if name in self._by_contact:  # its touches are its won deals'
                return None
            mine = self._touches(self._identities(name), cache)
            return summary_of(journey_until(mine, None, self.channel), False)
        deal = self.deals.get(name)
        if deal is None:
            return None
        ids = [p for c in deal.contacts for p in self._identities(c)]
        mine = self._touches(ids, cache)
        return summary_of(journey_until(mine, deal.created_at, self.channel), True)
