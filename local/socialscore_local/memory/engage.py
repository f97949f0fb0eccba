"""The engage-now queue's reads and its answered marks in the memory ledger's items
(pipeline.ports.EngageActs and AnswerMarks), as store/engage.py keeps them in the ledger table:
the acts its sparse `engage` index holds (the answerable acts that count, by day), a mark
`answered#<post>` per answer, whether before or after its act, lasting a month."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from socialscore.domain.touch import Touch
from socialscore.store.engage import ANSWERED, MARK_DAYS, mark_key
from socialscore.store.ledger_items import ENGAGE_DAY, engage_day, entry_of
from socialscore_local.memory.ledger import MemoryTouchLedger


class MemoryEngage:
    def __init__(self, ledger: MemoryTouchLedger) -> None:
        self.ledger = ledger

    def acts(self, since: datetime, until: datetime) -> list[Touch]:
        """As the index's queries answer: by day from since's to until's, after `since` as the
        stored text compares."""
        days = (engage_day(since), engage_day(until))
        return [
            touch
            for item in self.ledger.items.values()
            if days[0] <= item.get(ENGAGE_DAY, "") <= days[1]
            and item["occurred_at"] > since.isoformat()
            and (touch := entry_of(item).counted) is not None
            and touch.occurred_at <= until
        ]

    def answered(self, posts: Iterable[str]) -> set[str]:
        items = self.ledger.items
        marks = (mark_key(p) for p in set(posts))
        return {
            m["profile"].removeprefix(ANSWERED)
            for m in marks
            if (m["profile"], m["touch"]) in items
        }

    def mark_answered(self, answers: dict[str, datetime], now: datetime) -> None:
        """A mark lasts a month from the answer, or from now for an answer reported late."""
        for post, at in answers.items():
            key = mark_key(post)
            expires = int((max(at, now) + timedelta(days=MARK_DAYS)).timestamp())
            mark = key | {"answered_at": at.isoformat(), "expires_at": expires}
            self.ledger.items[(key["profile"], key["touch"])] = mark
