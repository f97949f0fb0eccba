"""The identity review queue in a dict (pipeline.crm_identities.ReviewQueue), entry for entry as
the table keeps them: the same rule queues (store.identity_review.queued)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from socialscore.domain.identity_plan import Review, ReviewEntry
from socialscore.store.identity_review import queued


class MemoryIdentityReview:
    def __init__(self) -> None:
        self.held: dict[str, ReviewEntry] = {}
        self.erased_ids: set[str] = set()  # contacts and identities
        self.bookmarks: dict[str, str] = {}

    def entries(self) -> dict[str, ReviewEntry]:
        return dict(self.held)

    def queue(self, reviews: list[Review], contacts: set[str], at: datetime) -> None:
        new, gone = queued(self.held, reviews, contacts, at)
        self.write(new)
        self.drop(gone)

    def write(self, entries: list[ReviewEntry]) -> None:
        self.held |= {e.review.key: e for e in entries}

    def drop(self, keys: Iterable[str]) -> None:
        for key in list(keys):
            self.held.pop(key, None)

    def forget(self, contacts: set[str], identities: set[str]) -> None:
        self.drop(
            k
            for k, e in self.held.items()
            if e.review.contact_id in contacts
            or e.review.identity in identities
            or e.review.linked_to in contacts
        )
        self.erased_ids |= contacts | identities

    def erased(self, ids: Iterable[str]) -> set[str]:
        return self.erased_ids & set(ids)

    def bookmark(self, crm: str) -> str | None:
        return self.bookmarks.get(crm)

    def save_bookmark(self, crm: str, value: str) -> None:
        self.bookmarks[crm] = value
