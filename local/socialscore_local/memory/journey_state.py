"""The attribution job's kept state in memory (store.journey_state's fake).

Saved as the table does it: the step is written with the book first (one item), then applied
write by write, then the book is written again without it; a read of the book finishes a step
left half-applied. `fail_after` makes the n-th write from now raise, to prove that a run
stopped anywhere resumes to the same counts. Everything is kept encoded, as stored.

Its change feed (store.journey_state.JourneyChanges) is MemoryJourneyChanges, over the sync
state's fake, where crm_sync's marks are."""

from __future__ import annotations

from datetime import datetime

from socialscore.domain.journey_book import (
    Book,
    Step,
    decode_book,
    decode_deal,
    decode_summary,
    encode_book,
)
from socialscore.domain.journey_units import WonDeal
from socialscore.domain.journeys import JourneySummary
from socialscore.store.journey_state import step_writes
from socialscore.store.sync_state import JOURNEYS_HOLD
from socialscore_local.memory.sync_state import MemorySyncState


class Crash(Exception):
    """The injected failure: the process stopped here."""


class MemoryJourneyState:
    def __init__(self) -> None:
        self.items: dict[str, str] = {}  # summary#<unit> and pointer#<profile>
        self._book = encode_book(Book())
        self._pending: list[tuple[str, str | None]] = []
        self.fail_after: int | None = None
        self.writes = 0

    def book(self) -> Book:
        self._finish()
        return decode_book(self._book)

    def summaries(self, units: list[str]) -> dict[str, JourneySummary]:
        self._finish()
        found = {u: self.items.get(f"summary#{u}") for u in units}
        return {u: decode_summary(v) for u, v in found.items() if v is not None}

    def pointers(self, profiles: list[str]) -> dict[str, str]:
        self._finish()
        found = {p: self.items.get(f"pointer#{p}") for p in profiles}
        return {p: c for p, c in found.items() if c is not None}

    def deals(self, ids: list[str]) -> dict[str, WonDeal]:
        self._finish()
        found = {d: self.items.get(f"deal#{d}") for d in ids}
        return {d: decode_deal(d, v) for d, v in found.items() if v is not None}

    def commit(self, step: Step, book: Book) -> None:
        self._write()
        self._book, self._pending = encode_book(book), step_writes(step)
        self._finish()

    def _finish(self) -> None:
        while self._pending:
            self._write()
            key, value = self._pending.pop(0)
            if value is None:
                self.items.pop(key, None)
            else:
                self.items[key] = value

    def _write(self) -> None:
        if self.fail_after is not None:
            if self.fail_after == 0:
                self.fail_after = None
                raise Crash
            self.fail_after -= 1
        self.writes += 1

    def named(self, name: str) -> list[str]:
        """The kept items naming this profile or contact (an erasure must leave none)."""
        return [k for k in self.items if k.endswith(f"#{name}")]


class MemoryJourneyChanges:
    """The sync state's change marks, held for the attribution job: crm_sync deletes the buckets
    it has taken only up to the hold written here, and the job deletes those it has folded once
    crm_sync has taken them too."""

    def __init__(self, sync: MemorySyncState) -> None:
        self.sync = sync

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        return self.sync.changed_since(since, until)

    def hold(self, since: datetime) -> None:
        self.sync.r.add("PutItem")
        self.sync.items[JOURNEYS_HOLD] = since.isoformat()

    def folded(self, since: datetime | None, until: datetime) -> None:
        self.hold(until)
        if since is None:
            return
        taken = self.sync.bookmarks("").get("last_run")  # crm_sync's window starts there
        end = min(until, datetime.fromisoformat(taken)) if taken else since
        if end > since:
            self.sync.delete_buckets(since, end)
