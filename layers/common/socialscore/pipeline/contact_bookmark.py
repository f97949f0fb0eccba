"""Where the read of the CRM's changed contacts resumes, and how much one run takes.

A run reads the contacts changed since the bookmark, oldest change first, and takes at most
`MAX_CONTACTS` of them (and every other one changed at the same moment as its last, so a bulk
import's instant is never cut in two): 20 HubSpot search pages, at most 20 X calls, a query of
the identities' contact index each (at a few milliseconds a query, some 10 s of the run's 300).
It saves the
bookmark at the last contact it finished with, even when X stopped it part-way, so a big first
read (100,000 contacts, or more usernames than X's 15-minute window answers) goes on run after
run instead of starting over.

HubSpot's search index lags writes by "a few moments": a contact changed just before the
bookmark may not have been searchable when it was read. So the next read starts `OVERLAP`
before the bookmark, but only when the bookmark was that close to the time of its read; a
bookmark far behind its read (a backlog read a part at a time) was long indexed, and the next
read starts at it, so each run moves on whatever the backlog.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialscore.domain.social_fields import Changed

MAX_CONTACTS = 2_000
OVERLAP = timedelta(minutes=5)


@dataclass(frozen=True)
class Bookmark:
    at: datetime  # when the last contact finished with was changed
    read_at: datetime  # when the read that found it was made

    @property
    def overlap(self) -> bool:
        """Whether the next read starts a little before `at` (see the module's note)."""
        return self.read_at - self.at < OVERLAP

    def dumps(self) -> str:
        return json.dumps({"at": self.at.isoformat(), "read_at": self.read_at.isoformat()})

    @classmethod
    def loads(cls, text: str | None) -> Bookmark | None:
        if not text:
            return None
        found = json.loads(text)
        return cls(datetime.fromisoformat(found["at"]), datetime.fromisoformat(found["read_at"]))

    def moved(self, to: datetime | None, read_at: datetime) -> Bookmark:
        """The bookmark after a run that finished with contacts up to `to`: never back."""
        return Bookmark(max(self.at, to) if to is not None else self.at, read_at)


def cut(changed: list[Changed], limit: int = MAX_CONTACTS) -> tuple[list[Changed], bool]:
    """The first `limit` contacts and any changed at the same moment as the last of them; and
    whether they are all of `changed`."""
    if len(changed) <= limit:
        return changed, True
    end = limit
    while end < len(changed) and changed[end][1] == changed[limit - 1][1]:
        end += 1
    return changed[:end], end == len(changed)
