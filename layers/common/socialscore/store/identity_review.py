"""The identity review queue (DynamoDB, in the sync-state table beside crm_sync's own items):
the doubtful matches the CRM's social fields made, waiting for a person, and the decisions.

- `review#<identity>#<contact>`: one entry (its doubt, the contact the identity is linked to now,
  the contact's CRM owner, pending or the decision, when queued and decided); ids only, never a
  username.
- `review#index#<n>`: the string sets of every entry's `<identity>#<contact>`, by a hash of it in
  `SHARDS` items, so listing or erasing reads these and the entries they name, never a scan of
  the table: about 10,000 entries an item within DynamoDB's 400 KB, 160,000 in all (decided
  ones stay, so a rejected match is never queued again).
- `review#erased#<n>`: contacts and identities erased, never linked again from CRM fields (the
  fields are still in the CRM; consent was withdrawn), kept as the SHA-256 of each id, never
  the id (nothing crm_sync keeps names an erased person once it took the erasure; the hash
  knows the id again), in `SHARDS` items by the hash, so they are never one item's 400 KB
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-
  items): about 6,000 an item, 100,000 in all.
- `run#identities#<crm>`: where the next read of the CRM's changed contacts starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from socialscore.aws import clients
from socialscore.domain.identity_plan import Decision, Doubt, Review, ReviewEntry
from socialscore.store import dynamo

INDEX = "review#index"
ERASED = "review#erased"
SHARDS = 16


def entry_key(key: str) -> str:
    return f"review#{key}"


def entry_item(entry: ReviewEntry) -> dict[str, Any]:
    r = entry.review
    return {
        "key": entry_key(r.key),
        "identity": r.identity,
        "contact_id": r.contact_id,
        "doubt": r.doubt.value,
        "linked_to": r.linked_to,
        "owner_id": r.owner_id,
        "status": entry.status.value,
        "queued_at": entry.queued_at,
        "decided_at": entry.decided_at,
    }


def entry_of(item: dict[str, Any]) -> ReviewEntry:
    review = Review(
        str(item["identity"]),
        str(item["contact_id"]),
        Doubt(item["doubt"]),
        item.get("linked_to"),
        item.get("owner_id"),
    )
    return ReviewEntry(review, Decision(item["status"]), item["queued_at"], item.get("decided_at"))


def queued(
    held: dict[str, ReviewEntry], reviews: list[Review], contacts: set[str], at: datetime
) -> tuple[list[ReviewEntry], list[str]]:
    """What queueing `reviews` for `contacts` (read again from the CRM) writes and deletes, over
    the entries `held`: their pending entries not found again go, a new doubt comes in pending,
    one waiting already keeps its time, and a decided one is never queued again."""
    again = {r.key for r in reviews}
    gone = [
        k
        for k, e in held.items()
        if e.status is Decision.PENDING and e.review.contact_id in contacts and k not in again
    ]
    new = [ReviewEntry(r, Decision.PENDING, at.isoformat()) for r in reviews if r.key not in held]
    return new, gone


class IdentityReview:
    def __init__(self, table: str) -> None:
        self._table = table

    def entries(self) -> dict[str, ReviewEntry]:
        """Every entry, waiting or decided, by key."""
        keys = sorted(self._index())
        found = dynamo.batch_get(self._table, "key", [entry_key(k) for k in keys]) if keys else {}
        return {str(i["key"]).removeprefix("review#"): entry_of(i) for i in found.values()}

    def queue(self, reviews: list[Review], contacts: set[str], at: datetime) -> None:
        new, gone = queued(self.entries(), reviews, contacts, at)
        self.write(new)
        self.drop(gone)

    def write(self, entries: list[ReviewEntry]) -> None:
        if entries:
            puts = [{"PutRequest": {"Item": dynamo.to_item(entry_item(e))}} for e in entries]
            dynamo.batch_write(self._table, puts)
            for shard, keys in _shards(INDEX, (e.review.key for e in entries)).items():
                self._update("ADD", shard, "entries", keys)

    def drop(self, keys: Iterable[str]) -> None:
        keys = sorted(set(keys))
        if keys:
            for shard, held in _shards(INDEX, keys).items():
                self._update("DELETE", shard, "entries", held)
            deletes = [{"DeleteRequest": {"Key": {"key": {"S": entry_key(k)}}}} for k in keys]
            dynamo.batch_write(self._table, deletes)

    def forget(self, contacts: set[str], identities: set[str]) -> None:
        """An erasure: no entry names these contacts or identities, and none of them is linked
        again from CRM fields."""
        self.drop(
            k
            for k, e in self.entries().items()
            if e.review.contact_id in contacts
            or e.review.identity in identities
            or e.review.linked_to in contacts
        )
        for name, ids in (("contacts", contacts), ("identities", identities)):
            for shard, held in _shards(ERASED, map(_hashed, ids)).items():
                self._update("ADD", shard, name, held)

    def erased(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` (contacts, identities) erased: never linked again from CRM fields."""
        found = dynamo.batch_get(self._table, "key", _every(ERASED), consistent=True).values()
        held = {i for f in found for i in (*f.get("contacts", ()), *f.get("identities", ()))}
        return {i for i in ids if _hashed(i) in held}

    def bookmark(self, crm: str) -> str | None:
        found = dynamo.batch_get(self._table, "key", [_bookmark(crm)], consistent=True)
        return found[_bookmark(crm)]["value"] if found else None

    def save_bookmark(self, crm: str, value: str) -> None:
        # An update: crm_sync's role may put only its lease's item in this table.
        clients.client("dynamodb").update_item(
            TableName=self._table,
            Key={"key": {"S": _bookmark(crm)}},
            UpdateExpression="SET #v = :v",
            ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":v": {"S": value}},
        )

    def _index(self) -> set[str]:
        found = dynamo.batch_get(self._table, "key", _every(INDEX), consistent=True).values()
        return {k for f in found for k in f.get("entries", ())}

    def _update(self, action: str, key: str, name: str, values: set[str]) -> None:
        clients.client("dynamodb").update_item(
            TableName=self._table,
            Key={"key": {"S": key}},
            UpdateExpression=f"{action} #n :v",
            ExpressionAttributeNames={"#n": name},
            ExpressionAttributeValues={":v": {"SS": sorted(values)}},
        )


def _shards(prefix: str, values: Iterable[str]) -> dict[str, set[str]]:
    """The items of `prefix` these values are kept in, each with its values."""
    shards: dict[str, set[str]] = {}
    for value in values:
        shard = int(hashlib.sha256(value.encode()).hexdigest(), 16) % SHARDS
        shards.setdefault(f"{prefix}#{shard}", set()).add(value)
    return shards


def _hashed(erased: str) -> str:
    return hashlib.sha256(erased.encode()).hexdigest()


def _every(prefix: str) -> list[str]:
    return [f"{prefix}#{n}" for n in range(SHARDS)]


def _bookmark(crm: str) -> str:
    return f"run#identities#{crm}"
