"""The algorithmic attribution job: Markov and Shapley shares over every journey, kept up to date.

Every touched profile's touches are in exactly one journey (domain.journey_units): a won deal's
(converted), a linked contact's in no won deal, or an anonymous profile's (not converted). The
job keeps a small summary per journey and the counts they add up to (the book), and each run
folds in only what changed since its bookmark: the profiles and contacts marked changed (the
sync state's ten-minute marks, kept for this job until it has folded them) and the won deals
that differ from those folded. Reads and writes grow with the day's changes, not with the
profiles or touches kept; the models are solved from the counts (a few dozen states).

A first run builds the summaries from every touched profile, a page at a time. Work is saved as
it goes (each piece with the book, all or nothing) and a run stops before its time is out: the
next run continues where it stopped, and publishes the shares once it has caught up. The
shares equal a recomputation from scratch exactly (tests/unit/test_journey_increments.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from socialscore.domain.journey_units import WonDeal, is_won, won_deals
from socialscore.domain.journeys import ChannelKind, JourneyStats, markov, shapley
from socialscore.pipeline.attribution_ports import (
    Book,
    ChangeFeed,
    JourneyLinks,
    JourneyState,
    OpportunityCatalogue,
    ProfileCatalogue,
    Step,
)
from socialscore.pipeline.journey_fold import Fold
from socialscore.pipeline.ports import ChannelShareStore, TouchHistory

__all__ = ["DEFAULT_WON_STAGES", "ChannelAttributionJob", "is_won"]

DEFAULT_WON_STAGES = ("Closed Won", "closedwon")  # Salesforce's label, HubSpot's stage id
_DIGITS = 6


def _forever() -> float:
    return math.inf


@dataclass
class ChannelAttributionJob:
    links: JourneyLinks
    ledger: TouchHistory
    opportunities: OpportunityCatalogue
    changes: ChangeFeed
    profiles: ProfileCatalogue
    state: JourneyState
    store: ChannelShareStore
    model_version: str
    channel: ChannelKind = "seller"
    won_stages: tuple[str, ...] = DEFAULT_WON_STAGES
    piece: int = 500  # changed profiles or contacts per saved step (the book written twice)
    page: int = 5000  # ledger items a page of a first build (a Scan page is 1 MB at most)
    margin: float = 60.0  # seconds kept in hand: a piece never runs into the timeout

    def run(self, as_of: datetime, seconds_left: Callable[[], float] = _forever) -> dict[str, Any]:
        """Fold the changes up to the slot time and store the shares; returns what was stored,
        or, when time ran out first, where the work stands ("done": False)."""
        as_of = as_of.astimezone(UTC)
        book = self.state.book()
        every = self.opportunities.every_opportunity()
        deals = won_deals(every, self.won_stages)
        fold = Fold(self.links, self.ledger, self.state, deals, self.channel)
        seen = sorted({o.id for o in every})  # a deal folded once won is among them still
        # A run left open by the last one is finished first, then one more up to this slot.
        while book.until is not None or book.bookmark is None or book.bookmark < as_of:
            if book.until is None:  # a new run: from the bookmark (or from nothing) to the slot
                first = book.bookmark is None
                book = replace(book, until=as_of, done_through="", pages="" if first else None)
                self.changes.hold(book.bookmark or as_of)
                self.state.commit(Step({}, {}), book)
            if not self._catch_up(fold, book, seen, seconds_left):
                return _progress(book)
            since, until = book.bookmark, book.until
            assert until is not None
            book = Book(stats=book.stats, bookmark=until)
            self.state.commit(Step({}, {}), book)
            self.changes.folded(since, until)
        return self._publish(as_of, book.stats, deals)

    def _catch_up(
        self,
        fold: Fold,
        book: Book,
        seen: list[str],
        seconds_left: Callable[[], float],
    ) -> bool:
        """The open run's work, piece by piece; False when time ran out first."""
        while book.pages is not None:  # a first build: every touched profile
            if seconds_left() < self.margin:
                return False
            found, after = self.profiles.profiles_page(book.pages, self.page)
            book.pages = after or None
            fold.apply([f"p:{p}" for p in found], book)
        if not self._deals(fold, book, seen, seconds_left):
            return False
        if book.bookmark is None:  # built from the state itself: nothing marked to fold
            return True
        assert book.until is not None
        profiles, contacts = self.changes.changed_since(book.bookmark, book.until)
        work = sorted({f"p:{p}" for p in profiles} | {f"c:{c}" for c in contacts})
        todo = [k for k in work if k > book.done_through]
        for start in range(0, len(todo), self.piece):
            if seconds_left() < self.margin:
                return False
            piece = todo[start : start + self.piece]
            book.done_through = piece[-1]
            fold.apply(piece, book)
        return True

    def _deals(
        self, fold: Fold, book: Book, seen: list[str], seconds_left: Callable[[], float]
    ) -> bool:
        """Fold the won deals that differ from those folded (won since, lost again, contacts
        or creation changed), `piece` opportunities at a time: each deal's journey and its
        contacts', old and new, saved with the deal as folded, so an interrupted run goes on
        from there. Every opportunity crm_sync has seen is compared (a lost deal is one too)."""
        for start in range(0, len(seen), self.piece):
            if seconds_left() < self.margin:
                return False
            ids = seen[start : start + self.piece]
            folded = self.state.deals(ids)
            changed = [d for d in ids if fold.deals.get(d) != folded.get(d)]
            if not changed:
                continue
            work = [f"d:{d}" for d in changed]
            for d in changed:
                for deal in (fold.deals.get(d), folded.get(d)):
                    work += [f"c:{c}" for c in deal.contacts] if deal is not None else []
            fold.apply(work, book, {d: fold.deals.get(d) for d in changed})
        return True

    def _publish(
        self, as_of: datetime, stats: JourneyStats, deals: Mapping[str, WonDeal]
    ) -> dict[str, Any]:
        """The shares, stored. `deals`: the won deals now, which the counts hold once a run
        has caught up."""
        version = f"{as_of.date().isoformat()}#{self.model_version}"
        chain = markov(stats)
        result: dict[str, Any] = {
            "version": version,
            "as_of": as_of.isoformat(),
            "model_version": self.model_version,
            "channel": self.channel,
            "journeys": stats.journeys,
            "conversions": stats.conversions,
            # Won deals whose contacts had no organic touch (or no linked contact): outside
            # both models, so conversions + conversions_without_touch is the CRM's won deals.
            "conversions_without_touch": len(deals) - stats.conversions,
            "touches": stats.touches,
            "conversion_probability": round(chain.conversion_probability, _DIGITS),
            "removal_effects": _rounded(chain.removal_effects),
            "markov": _rounded(chain.shares),
            "shapley": _rounded(shapley(stats)),
        }
        self.store.save(version, as_of.isoformat(), result)
        return result


def _progress(book: Book) -> dict[str, Any]:
    assert book.until is not None
    return {
        "done": False,
        "until": book.until.isoformat(),
        "first_build": book.bookmark is None,
        "journeys": book.stats.journeys,
    }


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, _DIGITS) for k, v in sorted(values.items())}
