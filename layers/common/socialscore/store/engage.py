"""The engage-now queue's reads and its answered marks, in the ledger table.

The queue is a view of the ledger: its sparse `engage` index holds the answerable acts that
count, by day (ledger_items). An answer leaves a mark `answered#<the act's own post>`, whether it
comes before or after the act itself: the read leaves out every act whose post is marked, so
an answer seen first still counts. A mark holds a post key and a time, nothing of a person, and
expires (TTL) a month after the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger_items import ENGAGE_DAY, ENGAGE_INDEX, engage_day, entry_of

ANSWERED = "answered#"
# A mark outlives the longest window a model can set (720 hours), then DynamoDB's TTL takes it.
MARK_DAYS = 31


def mark_key(post: str) -> dict[str, str]:
    return {"profile": f"{ANSWERED}{post}", "touch": "-"}


class EngageStore:
    def __init__(self, ledger_table: str) -> None:
        self._table = ledger_table

    def acts(self, since: datetime, until: datetime) -> list[Touch]:
        """The answerable acts that count and happened after `since`, up to `until`: one query
        (and its pages) per day of the window."""
        found: list[Touch] = []
        day = since
        while engage_day(day) <= engage_day(until):
            pages = dynamo.query(
                TableName=self._table,
                IndexName=ENGAGE_INDEX,
                KeyConditionExpression="#day = :d AND occurred_at > :since",
                ExpressionAttributeNames={"#day": ENGAGE_DAY},
                ExpressionAttributeValues={
                    ":d": {"S": engage_day(day)},
                    ":since": {"S": since.isoformat()},
                },
            )
            for page in pages:
                for item in page:
                    touch = entry_of(item).counted
                    if touch is not None and touch.occurred_at <= until:
                        found.append(touch)
            day += timedelta(days=1)
        return found

    def answered(self, posts: Iterable[str]) -> set[str]:
        """Those of these posts (acts' own posts) that were answered."""
        wanted = sorted(set(posts))
        items = dynamo.batch_get_keys(self._table, [mark_key(p) for p in wanted]) if wanted else []
        return {i["profile"].removeprefix(ANSWERED) for i in items}

    def mark_answered(self, answers: dict[str, datetime], now: datetime) -> None:
        """post -> when it was answered. Writing a mark again changes nothing that is read. A
        mark lasts a month from the answer, or from now for an answer reported late."""

        def mark(post: str, at: datetime) -> dict[str, Any]:
            expires = int((max(at, now) + timedelta(days=MARK_DAYS)).timestamp())
            return mark_key(post) | {"answered_at": at.isoformat(), "expires_at": expires}

        dynamo.batch_write(
            self._table,
            [
                {"PutRequest": {"Item": dynamo.to_item(mark(p, at))}}
                for p, at in sorted(answers.items())
            ],
        )
