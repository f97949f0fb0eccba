"""What the incremental attribution job reads and keeps (pipeline.channel_attribution)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from socialscore.domain.journey_book import Book, Step
from socialscore.domain.journey_units import WonDeal
from socialscore.domain.journeys import JourneySummary
from socialscore.domain.opportunity import Opportunity

__all__ = ["Book", "ChangeFeed", "JourneyLinks", "JourneyState", "OpportunityCatalogue"]
__all__ += ["ProfileCatalogue", "Step"]


class JourneyState(Protocol):
    def book(self) -> Book: ...

    def summaries(self, units: list[str]) -> dict[str, JourneySummary]: ...

    def pointers(self, profiles: list[str]) -> dict[str, str]:
        """profile -> the contact whose journeys its touches were last folded into."""
        ...

    def deals(self, ids: list[str]) -> dict[str, WonDeal]:
        """Of these opportunities, the won deals as last folded."""
        ...

    def commit(self, step: Step, book: Book) -> None:
        """The step and the book together: after a failure at any point, `book()` returns the
        book before or after, and the summaries and pointers match it."""
        ...


class ChangeFeed(Protocol):
    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        """(profiles, contacts) marked changed from since's ten minutes to until's, included."""
        ...

    def hold(self, since: datetime) -> None:
        """Keep the changes marked from `since` on until this job has folded them."""
        ...

    def folded(self, since: datetime | None, until: datetime) -> None:
        """The changes from since's to before until's are folded: the feed may drop them, and
        holds those from `until` on (since None: nothing was held before)."""
        ...


class JourneyLinks(Protocol):
    def contacts_of(self, identities: list[str]) -> dict[str, str]: ...

    def identities_of(self, contact_id: str) -> list[str]: ...


class OpportunityCatalogue(Protocol):
    def every_opportunity(self) -> list[Opportunity]: ...


class ProfileCatalogue(Protocol):
    def profiles_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        """The touched profiles in a page of at most `limit` ledger items from `cursor` (""
        first; "" returned after the last). A profile may be in two pages."""
        ...
