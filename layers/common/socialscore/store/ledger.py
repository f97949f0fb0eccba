"""The touch ledger and its aggregates (DynamoDB), written together, exactly once.

The ledger holds, per (profile, dedupe key), a LedgerEntry: the latest act and the latest withdrawal
(domain.ledger_rules). A batch's entries are read first (a consistent BatchGetItem, 100 keys a
call) and its changes planned against them (ledger_rules.plan); the aggregate items the changes
take a count down on are read too. Each group of changes goes in one TransactWriteItems: a Put per
changed entry, conditioned on the version read, and one write per aggregate item moved by the
difference between the old and the new counted touch (ledger_rules.deltas): a plain ADD, or, where
a count goes down, an ADD written only while the count stays over 0; where the item read says a
count reaches 0, `aggregates.settle` makes the write from it (counts that reach 0 removed, an item
left with none deleted), conditioned on the counts read. Groups are cut from the planned changes,
each filling its transaction's 100 actions, ordered by seller, shard, day and post
(store.ledger_groups), so a hot post's shard item and each day's rollup item are written once per
group, not once per entry. Reading first costs a call per 100 entries; writing blind cost a
cancelled transaction (a call, and its writes as bench/aws_calls.py counts them) for every group
holding an entry already stored or a count reaching 0: bench/aws_calls.py's score stage went
from 0.105 to 0.055 calls an interaction on its 20-day stream. When the ledger or an item moved
between the read and the write (a concurrent writer), the transaction rolls back, the refusal
carries what it held (ReturnValuesOnConditionCheckFailure), and the group is planned again.
Whatever arrives twice, late or out of order, the stored items are those of one clean pass, and
nothing is ever half-applied. A group DynamoDB refuses for what it holds (a key or an item over
its limits) raises `Refused`: retried as it is, it would fail the same way.

A deleted post leaves a marker (profile `deleted#<post>`): an act whose own post is marked is
retracted for good (a deleted reply or retweet never comes back, whatever the clocks say), and
every transaction that writes such an act checks the marker is still absent, so a deletion
racing the act cannot be missed.

An announced complaint leaves a flag in its profile's partition (`complaint_flags`): reads of a
profile's entries skip it, and an erasure deletes it with them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from socialscore.aws import clients
from socialscore.aws.http import backoff
from socialscore.domain.aggregates import (
    AggregateKey,
    Aggregates,
    first_shard,
    settle,
    with_contacts,
)
from socialscore.domain.ledger_rules import (
    FOREVER,
    Key,
    LedgerEntry,
    deltas,
    entries,
    plan,
)
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.store import dynamo
from socialscore.store.engage import mark_key
from socialscore.store.ledger_groups import cut
from socialscore.store.ledger_items import entry_of, is_flag
from socialscore.store.ledger_writes import Tables, applied, marker_key, transaction
from socialscore.store.scores import item_key

# A transaction's limits are store.dynamo's (100 actions, no two on one item, 4 MB in all).
# Groups are counted from the changes as planned against the entries read first
# (store.ledger_groups), so each fills its transaction; one a concurrent writer makes outgrow the
# limit on a re-plan is halved.
MAX_ACTIONS = dynamo.MAX_ACTIONS
BY_OWN_POST_INDEX = "by_own_post"
_ATTEMPTS = 5
_REPLANS = 20  # each re-plan follows a concurrent writer; this many means something is wrong
# What a batch's groups know of the tables: entries, posts deleted, aggregate items, and the
# identities' contacts as resolve read them.
Known = tuple[
    dict[Key, LedgerEntry], set[str], dict[AggregateKey, dict[str, Any]], Mapping[str, str]
]


class Ledger:
    def __init__(self, ledger_table: str, scores_table: str, sync_table: str | None = None) -> None:
        """`sync_table`: where crm_sync learns which profiles changed (each transaction marks
        its own, with one more action); None for a reader that never writes touches."""
        self.ledger_table = ledger_table
        self.scores_table = scores_table
        self.sync_table = sync_table
        self.tables = Tables(ledger_table, scores_table, sync_table)

    def record(
        self, events: list[Touch | Withdrawal], contacts: Mapping[str, str] | None = None
    ) -> int:
        """Merge acts and retractions into the ledger; returns how many entries changed.
        `contacts`: identity -> its contact as resolve read it (the contacts' ranking: each
        organic write expects it and moves that contact's item too); an identity not named is
        expected unlinked, or as its item read says."""
        guesses = dict(contacts or {})
        merged = entries(events)
        # Read first (100 keys a call): a blind put of an entry already stored would cancel
        # its whole transaction, and a cancelled transaction costs a call.
        stored = self._stored(list(merged))
        changes = plan(merged, stored)
        first = first_shard([t for e in merged.values() if (t := e.touch) is not None])
        groups = cut(changes, MAX_ACTIONS, first, contacts=guesses)
        # The aggregate items the groups take a count down on, read first too: a count that
        # would reach 0 is then written from what the item holds, not refused with it.
        held = self._held([with_contacts(deltas(g), guesses.get) for g in groups])
        known: Known = (stored, set(), held, guesses)
        return sum(
            self._record_group({c.key: merged[c.key] for c in group}, known) for group in groups
        )

    def delete_post(self, post: str, at: datetime) -> int:
        """Mark a post deleted and retract every act it made; returns the entries changed."""
        client = clients.client("dynamodb")
        profile, touch = marker_key(post)
        when = at.astimezone(UTC).isoformat()  # one offset: the strings sort as the moments do
        with (
            dynamo.refusals(),
            # The earliest report stands, whichever came first: the same marker in any order.
            suppress(client.exceptions.ConditionalCheckFailedException),
        ):
            client.put_item(
                TableName=self.ledger_table,
                Item=dynamo.to_item({"profile": profile, "touch": touch, "deleted_at": when}),
                ConditionExpression="attribute_not_exists(#touch) OR #at > :at",
                ExpressionAttributeNames={"#touch": "touch", "#at": "deleted_at"},
                ExpressionAttributeValues={":at": {"S": when}},
            )
        pages = dynamo.query(
            TableName=self.ledger_table,
            IndexName=BY_OWN_POST_INDEX,
            KeyConditionExpression="own_post = :p",
            ExpressionAttributeValues={":p": {"S": post}},
        )
        keys = [(i["profile"], i["touch"]) for page in pages for i in page]
        return self.record([Withdrawal(p, k, FOREVER) for p, k in keys])

    def _record_group(
        self,
        incoming: dict[Key, LedgerEntry],
        known: Known,
    ) -> int:
        """`known`, shared by the batch's groups and the halves of a halved group, each learning
        into it: what the ledger holds (read first, then as refusals returned it), the posts
        learnt deleted (only when a marker check fails: rare), and the aggregate items read
        first or returned by a refusal (ALL_OLD), for the writes that take a count to 0."""
        stored, deleted, items, guesses = known
        conflicts = replans = 0
        while True:
            changes = plan(incoming, stored, deleted)
            if not changes:
                return 0
            checks = sorted(
                {c.new.touch.own_post for c in changes if c.new.touch and c.new.touch.own_post}
                - deleted
            )
            actions, written = transaction(self.tables, changes, checks, items, guesses)
            if len(actions) > MAX_ACTIONS:
                keys = list(incoming)
                halves = (keys[: len(keys) // 2], keys[len(keys) // 2 :])
                return sum(
                    self._record_group({k: incoming[k] for k in half}, known) for half in halves
                )
            try:
                clients.client("dynamodb").transact_write_items(TransactItems=actions)
                for key, write in written:  # a later group settles from what it left
                    if key in items:
                        items[key] = applied(items[key], write)
                return len(changes)
            except ClientError as err:
                if (refused := dynamo.refusal(err)) is not None:
                    raise refused from err
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = err.response.get("CancellationReasons", [])
                failed = [
                    i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"
                ]
                if failed:  # the ledger moved under us: learn what it holds and plan again
                    replans += 1
                    if replans > _REPLANS:
                        raise
                    # What each condition was checked against, returned with the refusal
                    # (ALL_OLD): no read. No item: the entry (or aggregate) is not there.
                    found = {i: dynamo.from_item(reasons[i].get("Item") or {}) for i in failed}
                    first_write = len(changes) + len(checks)
                    for i, item in found.items():
                        if i < len(changes):
                            stored.pop(changes[i].key, None)
                            if item:
                                stored[changes[i].key] = entry_of(item)
                        elif first_write <= i < first_write + len(written):
                            items[written[i - first_write][0]] = item
                    if any(len(changes) <= i < first_write for i in failed):
                        deleted |= self._deleted(set(checks))
                    continue
                conflicts += 1  # a concurrent writer or throttling: back off, try again
                if conflicts >= _ATTEMPTS:
                    raise
                time.sleep(backoff(0.05, conflicts))

    def _deleted(self, posts: set[str]) -> set[str]:
        """Those of these posts that were deleted."""
        markers = self._items([marker_key(p) for p in posts])
        return {m["profile"].removeprefix("deleted#") for m in markers}

    def _stored(self, keys: list[Key]) -> dict[Key, LedgerEntry]:
        """What the ledger holds for these keys (absent: nothing)."""
        with dynamo.refusals():  # a key over DynamoDB's limits: refused, as its write would be
            found = self._items(keys)
        return {(i["profile"], i["touch"]): entry_of(i) for i in found}

    def _held(self, moves: list[Aggregates]) -> dict[AggregateKey, dict[str, Any]]:
        """What the aggregate items these moves take a count down on hold ({}: absent)."""
        down = {
            item_key(key): key
            for agg in moves
            for key, delta in agg.counters.items()
            if (write := settle(key, delta)) is not None and write.above
        }
        keys = [{"pk": pk} for pk in down]
        found = dynamo.batch_get_keys(self.scores_table, keys, consistent=True)
        held: dict[AggregateKey, dict[str, Any]] = {key: {} for key in down.values()}
        held |= {down[i["pk"]]: i for i in found}
        return held

    def _items(self, keys: list[Key]) -> list[dict[str, Any]]:
        if not keys:
            return []
        return dynamo.batch_get_keys(  # what the conditions were checked against: consistent
            self.ledger_table, [{"profile": p, "touch": k} for p, k in keys], consistent=True
        )

    def touches_of(self, profile: str) -> list[Touch]:
        """The touches that count for a profile (not retracted)."""
        return [t for e in self._entries_of(profile).values() if (t := e.counted) is not None]

    def every_touch(self) -> list[Touch]:
        """Every touch that counts, of every profile: a report's read, a scan."""
        entries = (entry_of(i) for i in dynamo.scan(self.ledger_table))
        return [t for e in entries if (t := e.counted) is not None]

    def erase(self, profile: str) -> int:
        """Take a profile's touches out of every aggregate, then delete its entries (and its
        complaints' flags, and the answered marks of its own posts). Idempotent: a second run
        finds nothing. Returns the entries deleted."""
        items = self._items_of(profile)
        keys = [k for k in items if not is_flag(k[1])]
        self.record([Withdrawal(p, k, FOREVER) for p, k in keys])
        # The answered marks of the person's own posts go too: they name those posts.
        marks = sorted({post for i in items.values() if (post := i.get("own_post"))})
        dynamo.batch_write(
            self.ledger_table,
            [
                {"DeleteRequest": {"Key": dynamo.to_item(key)}}
                for key in [*({"profile": p, "touch": k} for p, k in items), *map(mark_key, marks)]
            ],
        )
        return len(keys)

    def _entries_of(self, profile: str) -> dict[Key, LedgerEntry]:
        return {k: entry_of(i) for k, i in self._items_of(profile).items() if not is_flag(k[1])}

    def _items_of(self, profile: str) -> dict[Key, dict[str, Any]]:
        """Every item of a profile's partition: its entries and its complaints' flags."""
        pages = dynamo.query(
            TableName=self.ledger_table,
            KeyConditionExpression="#profile = :p",
            ExpressionAttributeNames={"#profile": "profile"},
            ExpressionAttributeValues={":p": {"S": profile}},
            ConsistentRead=True,
        )
        return {(i["profile"], i["touch"]): i for page in pages for i in page}
