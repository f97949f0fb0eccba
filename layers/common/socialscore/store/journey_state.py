"""The attribution job's kept state (DynamoDB JourneysTable), its change feed and its first
build's profile pages.

JourneysTable, one string key:
- `book`: the counts every summary adds up to and the run's place (domain.journey_book.Book),
  zlib-compressed JSON. The counts grow with the channels' transitions and the distinct
  converting channel sets, never with profiles, touches or deals.
- `summary#<unit>`: one journey's transitions and whether it converted (domain.journey_units).
- `pointer#<profile>`: the contact whose journeys a linked profile was last folded into.
- `deal#<opportunity>`: a won deal as last folded (its opening and contacts).

A step is saved all or nothing without a transaction's 100-item limit: the book is written
with the step's writes in it (`pending`), the writes are applied, then `pending` is removed;
whoever reads the book next finishes a step left half-applied. Every read is strongly
consistent: a step's old summaries must be the ones the counts hold.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from socialscore.aws import clients
from socialscore.domain.journey_book import (
    Book,
    Step,
    decode_book,
    decode_deal,
    decode_summary,
    encode_book,
    encode_deal,
    encode_summary,
)
from socialscore.domain.journey_units import WonDeal
from socialscore.domain.journeys import JourneySummary
from socialscore.store import dynamo
from socialscore.store.sync_state import JOURNEYS_HOLD, SyncState, change_buckets

BOOK = "book"


class JourneyTable:
    def __init__(self, table: str) -> None:
        self._table = table

    def book(self) -> Book:
        item = (
            clients.client("dynamodb")
            .get_item(TableName=self._table, Key=_key(BOOK), ConsistentRead=True)
            .get("Item")
        )
        if item is None:
            return Book()
        if "pending" in item:
            self._apply(json.loads(zlib.decompress(item["pending"]["B"])))
        return decode_book(zlib.decompress(item["body"]["B"]).decode())

    def summaries(self, units: list[str]) -> dict[str, JourneySummary]:
        keys = [f"summary#{u}" for u in units]
        found = dynamo.batch_get(self._table, "key", keys, consistent=True) if keys else {}
        return {k.removeprefix("summary#"): decode_summary(v["s"]) for k, v in found.items()}

    def pointers(self, profiles: list[str]) -> dict[str, str]:
        keys = [f"pointer#{p}" for p in profiles]
        found = dynamo.batch_get(self._table, "key", keys, consistent=True) if keys else {}
        return {k.removeprefix("pointer#"): str(v["contact"]) for k, v in found.items()}

    def deals(self, ids: list[str]) -> dict[str, WonDeal]:
        keys = [f"deal#{d}" for d in ids]
        found = dynamo.batch_get(self._table, "key", keys, consistent=True) if keys else {}
        return {
            k.removeprefix("deal#"): decode_deal(k.removeprefix("deal#"), v["s"])
            for k, v in found.items()
        }

    def commit(self, step: Step, book: Book) -> None:
        writes = step_writes(step)
        body = zlib.compress(encode_book(book).encode())
        item: dict[str, Any] = {"key": {"S": BOOK}, "body": {"B": body}}
        if writes:
            item["pending"] = {"B": zlib.compress(json.dumps(writes).encode())}
        client = clients.client("dynamodb")
        client.put_item(TableName=self._table, Item=item)
        if writes:
            self._apply(writes)

    def _apply(self, writes: Sequence[Sequence[str | None]]) -> None:
        requests: dict[str, dict[str, Any]] = {}  # by key: the last write of a key wins
        for key, value in writes:
            assert key is not None
            if value is None:
                requests[key] = {"DeleteRequest": {"Key": _key(key)}}
            else:
                attribute = "contact" if key.startswith("pointer#") else "s"
                put = {"key": {"S": key}, attribute: {"S": value}}
                requests[key] = {"PutRequest": {"Item": put}}
        dynamo.batch_write(self._table, list(requests.values()))
        clients.client("dynamodb").update_item(
            TableName=self._table, Key=_key(BOOK), UpdateExpression="REMOVE pending"
        )


def step_writes(step: Step) -> list[tuple[str, str | None]]:
    """A step's item writes in the order they are applied: each kept item's key and its encoded
    value (None: delete it). The memory fake applies the same list."""
    writes: list[tuple[str, str | None]] = [
        (f"summary#{u}", None if s is None else encode_summary(s))
        for u, s in sorted(step.summaries.items())
    ]
    writes += [(f"pointer#{p}", c) for p, c in sorted(step.pointers.items())]
    writes += [
        (f"deal#{d}", None if w is None else encode_deal(w)) for d, w in sorted(step.deals.items())
    ]
    return writes


class JourneyChanges:
    """The sync state's ten-minute change marks (store.sync_state), held for this job: crm_sync
    deletes the buckets it has taken only up to the `run#journeys` time written here, and this
    job deletes those it has folded once crm_sync has taken them too."""

    def __init__(self, sync_table: str) -> None:
        self._table = sync_table
        self._state = SyncState(sync_table)

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        return self._state.changed_since(since, until)

    def hold(self, since: datetime) -> None:
        clients.client("dynamodb").put_item(
            TableName=self._table,
            Item=dynamo.to_item({"key": JOURNEYS_HOLD, "value": since.isoformat()}),
        )

    def folded(self, since: datetime | None, until: datetime) -> None:
        self.hold(until)
        if since is None:
            return
        taken = self._state.bookmarks("").get("last_run")  # crm_sync's window starts there
        end = min(until, datetime.fromisoformat(taken)) if taken else since
        keys = change_buckets(since, end) if end > since else []
        found = dynamo.batch_get(self._table, "key", keys, attributes=["key"]) if keys else {}
        dynamo.batch_write(self._table, [{"DeleteRequest": {"Key": _key(k)}} for k in found])


class LedgerProfiles:
    """The first build's walk over every touched profile: a Scan of the ledger, keys only."""

    def __init__(self, ledger_table: str) -> None:
        self._table = ledger_table

    def profiles_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Limit": limit,
            "ProjectionExpression": "#p",
            "ExpressionAttributeNames": {"#p": "profile"},
        }
        if cursor:
            request["ExclusiveStartKey"] = json.loads(cursor)
        reply = clients.client("dynamodb").scan(**request)
        profiles = sorted({i["profile"]["S"] for i in reply["Items"]})
        last = reply.get("LastEvaluatedKey")
        return profiles, json.dumps(last, sort_keys=True) if last else ""


def _key(key: str) -> dict[str, Any]:
    return {"key": {"S": key}}
