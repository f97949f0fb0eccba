"""Rebuilding the aggregates from the ledger (`socialscore rebuild`): every touch's units under
one half-life, and every aggregate item set to what the counted touches imply.

Values are set, not added, and only where they differ: run twice, or again after an interruption, a
rebuild writes only what is not yet right. It owns `units`, `touches` and the seller tally of
profile items, the counters of post and seller items and the days' rollups (domain.rollups); every
other attribute (`hot_since`, `team`) is kept, and an item lacking an index's key (written before
the index) gets it. It leaves the items the score stage leaves after one clean pass: each post's and
seller's counters on the shards its touches hash to (aggregates.shard_of), no counter at 0, and no
item that counts nothing (one is deleted, its hot-lead flag with it).

Both passes scan with consistent reads, a page at a time, and write with BatchWriteItem; between
them it keeps every profile's id (to find profile items no entry supports any more) and every
post's and seller's counters per shard, no more.

Given the links (identity -> contact, read before it starts), it builds the contacts' ranking
too (store.contact_totals): each linked identity's organic item names its contact (a stub where
it has no counters), and each contact's item holds the sums of its identities' organic items;
the link syncs stand aside from before the links are read until the ranking is written
(`hold_contact_ranking`, store.contact_sync), then the marker, then the links written meanwhile
are synced (socialscore_ops.rebuild).

Nothing else may write the ledger or the scores meanwhile: a delta added between a read here
and the write after it would be lost, and an erased person's entries written back. The caller
stops the score stage first (socialscore_ops.rebuild_pause).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.domain.aggregates import (
    CONTACT,
    AggregateKey,
    Aggregates,
    ContactTotal,
    PostCounter,
    ProfileTotal,
    SellerCounter,
    coalesce,
    counters_of,
    with_contacts,
)
from socialscore.domain.decay import units
from socialscore.domain.interaction import Category
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.rollups import Dimension, RollupKey
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.contact_totals import RANKING_REBUILDING, READY
from socialscore.store.ledger_items import entry_of
from socialscore.store.rollup_fold_actions import PROGRESS, REBUILDING
from socialscore.store.scores import index_attributes, item_key


@dataclass
class Counts:
    entries_read: int = 0  # ledger entries (a deleted post's marker is none)
    entries_rewritten: int = 0  # their units were not those of the half-life
    aggregates_rewritten: int = 0  # score items written or deleted
    aggregates_unchanged: int = 0  # score items found right


def key_of(pk: str) -> AggregateKey | None:
    """The aggregate a scores item holds, from its key; None for an item that is no aggregate
    (only a key that `item_key` gives back exactly is one)."""
    kind, _, rest = pk.partition("#")
    key: AggregateKey
    try:
        if kind == "profile":
            profile, category = rest.rsplit("#", 1)
            key = ProfileTotal(profile, Category(category))
        elif kind in ("post", "seller"):
            name, shard = rest.rsplit("#shard#", 1)
            key = (PostCounter if kind == "post" else SellerCounter)(name, int(shard))
        elif kind == "contact":
            key = ContactTotal(rest)
        elif kind == "day":
            day, dimension, name_shard = rest.split("#", 2)
            name, shard = name_shard.rsplit("#shard#", 1)
            key = RollupKey(day, Dimension(dimension), name, int(shard))
        else:
            return None
    except ValueError:
        return None
    return key if item_key(key) == pk else None


def _plain(value: Decimal) -> Decimal:
    # Plain digits, as DynamoDB keeps them: moto would keep 0E-14, which its next ADD refuses.
    return Decimal(format(value, "f")) if value else Decimal(0)


def _differs(
    key: AggregateKey, item: dict[str, Any], want: dict[str, Decimal], contact: str | None
) -> bool:
    """Whether the item's counters are not exactly these (a counter at 0 where none is wanted
    differs too), it lacks an index's key (an item written before the index), or it names
    another contact than its identity's link."""
    if want and any(n not in item for n in index_attributes(key, hot="hot_since" in item)):
        return True
    if item.get(CONTACT) != contact:
        return True
    return any(item.get(n) != want.get(n) for n in counters_of(key, [*item, *want]))


class Rebuild:
    """One pass over the ledger (`ledger_pages`), then one over the scores (`score_pages`)."""

    def __init__(
        self,
        ledger_table: str,
        scores_table: str,
        half_life_seconds: float,
        page_items: int | None = None,  # None: DynamoDB's pages of 1 MB
        links: Mapping[str, str] | None = None,  # identity -> contact; None: ranking untouched
    ) -> None:
        self._ledger = ledger_table
        self._scores = scores_table
        self._half_life = half_life_seconds
        self._paging = {"PageSize": page_items} if page_items else {}
        self.counts = Counts()
        self._counters = Aggregates()  # every post's and seller's totals, per shard
        self._writes: list[dict[str, Any]] = []  # score items to put or delete, in turn
        self._done: set[str] = set()  # profiles whose items are set
        # The page's last profile: the next page may hold more of its entries.
        self._open: tuple[str, list[Touch | None]] | None = None
        self._links = links
        self._contacts = Aggregates()  # every contact's sums, from its identities' items
        self._seen: set[str] = set()  # linked identities with an item in the scores' scan

    # --- the ledger: units, and the profiles' totals -------------------------------------------
    def ledger_pages(self) -> Iterator[int]:
        """Scan the ledger a page at a time (yields the items each held): rewrite the units the
        half-life changes, set each profile's items once all its entries were read."""
        for page in self._scan(self._ledger):
            self._page([dynamo.from_item(i) for i in page["Items"]])
            yield len(page["Items"])
        if self._open is not None:
            self._profiles(dict([self._open]))
            self._open = None

    def _page(self, items: list[dict[str, Any]]) -> None:
        groups: dict[str, list[Touch | None]] = dict([self._open]) if self._open else {}
        rewrites = []
        for item in items:
            entry = entry_of(item)
            if entry == LedgerEntry():  # a deleted post's marker, a complaint's flag: no act
                continue
            self.counts.entries_read += 1
            if (t := entry.touch) is not None:
                now = units(t.weight, t.occurred_at, self._half_life)
                if now != t.units:
                    rewrites.append({"PutRequest": {"Item": dynamo.to_item(item | {"units": now})}})
                    entry = replace(entry, touch=replace(t, units=now))
            profile = item["profile"]
            if profile in self._done:  # a scan returns a partition's items together
                raise RuntimeError(f"the ledger scan returned {profile}'s entries apart")
            groups.setdefault(profile, []).append(entry.counted)
        dynamo.batch_write(self._ledger, rewrites)
        self.counts.entries_rewritten += len(rewrites)
        last = next(reversed(groups), None)
        self._open = (last, groups.pop(last)) if last is not None else None
        self._profiles(groups)

    def _profiles(self, groups: dict[str, list[Touch | None]]) -> None:
        agg = coalesce([t for ts in groups.values() for t in ts if t is not None], [])
        want: dict[AggregateKey, dict[str, Decimal]] = {
            ProfileTotal(p, c): {} for p in groups for c in Category
        }
        for key, counters in agg.counters.items():
            if isinstance(key, ProfileTotal):
                want[key] = counters
            else:  # a post's or seller's share: summed over the whole ledger first
                for name, amount in counters.items():
                    self._counters.add(key, name, amount)
        self._counters.teams |= agg.teams
        if self._links is not None:
            organic = Aggregates()
            organic.counters.update(want)
            for key, counters in with_contacts(organic, self._links.get).counters.items():
                if isinstance(key, ContactTotal):
                    for name, amount in counters.items():
                        self._contacts.add(key, name, amount)
        stored = dynamo.batch_get(self._scores, "pk", [item_key(k) for k in want], consistent=True)
        for key, counters in want.items():
            self._set(key, stored.get(item_key(key)), counters)
        self._flush()
        self._done |= groups.keys()

    # --- the scores: posts' and sellers' counters, profiles the ledger no longer has ------------
    def score_pages(self) -> Iterator[int]:
        """Scan the scores a page at a time (yields the items each held) and set every item to
        what the ledger implies, then write the post and seller shards no item holds yet. Call
        after `ledger_pages` is exhausted."""
        wanted = self._counters.counters
        # The rollup fold stops until the end (store.rollup_fold_actions): it moves sums
        # between the items set here, and these writes are not conditioned.
        mark = {"pk": {"S": PROGRESS}, REBUILDING: {"BOOL": True}}
        clients.client("dynamodb").put_item(TableName=self._scores, Item=mark)
        for page in self._scan(self._scores):
            for item in (dynamo.from_item(i) for i in page["Items"]):
                key = key_of(item["pk"])
                if isinstance(key, ProfileTotal) and key.profile in (self._links or {}):
                    self._seen.add(key.profile)
                if isinstance(key, ProfileTotal) and key.profile not in self._done:
                    self._set(key, item, {})  # no entry supports it any more
                elif isinstance(key, ContactTotal) and self._links is not None:
                    self._set(key, item, self._contacts.counters.pop(key, {}))
                elif isinstance(key, PostCounter | SellerCounter | RollupKey):
                    self._set(key, item, wanted.pop(key, {}))
                elif key is None and item["pk"].startswith("day#") and item["pk"] != PROGRESS:
                    # The rollup fold's progress and pending sums (store.rollup_fold): every
                    # shard is set again here, unfolded, so the fold starts over.
                    self._writes.append({"DeleteRequest": {"Key": {"pk": {"S": item["pk"]}}}})
            self._flush()
            yield len(page["Items"])
        for key, counters in sorted(wanted.items(), key=lambda kv: item_key(kv[0])):
            self._set(key, None, counters)
        for contact, counters in sorted(self._contacts.counters.items()):
            self._set(contact, None, counters)
        for identity in sorted((self._links or {}).keys() - self._seen - self._done):
            self._set(ProfileTotal(identity, Category.ORGANIC), None, {})  # its stub
        self._flush()
        clients.client("dynamodb").delete_item(TableName=self._scores, Key={"pk": {"S": PROGRESS}})

    def _set(
        self, key: AggregateKey, item: dict[str, Any] | None, want: dict[str, Decimal]
    ) -> None:
        """Queue the write that makes the item hold exactly `want` (its other attributes kept),
        or its deletion when nothing is wanted; a linked identity's organic item names its
        contact, and is a stub `{pk, contact}` when nothing is wanted."""
        contact = self._contact(key, item)
        if item is None and not want and contact is None:
            return  # no item, and none needed
        if item is not None and not _differs(key, item, want, contact):
            self.counts.aggregates_unchanged += 1
            return
        named = {CONTACT: contact} if contact is not None else {}
        if not want:
            pk = {"pk": item_key(key)}
            self._writes.append(
                {"PutRequest": {"Item": dynamo.to_item(pk | named)}}
                if named
                else {"DeleteRequest": {"Key": {"pk": {"S": item_key(key)}}}}
            )
            return
        family = counters_of(key, [*(item or {}), *want]) | {CONTACT: None}
        kept = {n: v for n, v in (item or {"pk": item_key(key)}).items() if n not in family}
        hot = "hot_since" in kept
        kept = index_attributes(key, self._counters.teams.get(key), hot) | kept
        values = {n: _plain(v) for n, v in want.items()}
        self._writes.append({"PutRequest": {"Item": dynamo.to_item(kept | named | values)}})

    def _contact(self, key: AggregateKey, item: dict[str, Any] | None) -> str | None:
        """The contact an item names: its identity's link, for an organic profile item; the
        one it names already when the links are not known (None: the ranking untouched)."""
        if not isinstance(key, ProfileTotal) or key.category is not Category.ORGANIC:
            return None
        if self._links is None:
            return None if item is None else item.get(CONTACT)
        return self._links.get(key.profile)

    def mark_contact_ranking(self) -> None:
        """The contacts' ranking is whole: `top` reads it (store.contact_totals.READY), and
        link syncs land again (`rebuilding` gone)."""
        item = {"pk": {"S": READY}, "ready": {"BOOL": True}}
        clients.client("dynamodb").put_item(TableName=self._scores, Item=item)

    @staticmethod
    def hold_contact_ranking(scores_table: str) -> None:
        """Before the links are read: link syncs stand aside (store.contact_sync) and `top`
        reads as before the ranking, until `mark_contact_ranking`."""
        item = {"pk": {"S": READY}, RANKING_REBUILDING: {"BOOL": True}}
        clients.client("dynamodb").put_item(TableName=scores_table, Item=item)

    def _scan(self, table: str) -> Iterator[dict[str, Any]]:
        paginator = clients.client("dynamodb").get_paginator("scan")
        pages: Iterator[dict[str, Any]] = paginator.paginate(
            # Consistent: the last batch the score stage wrote before it stopped is read too.
            TableName=table,
            ConsistentRead=True,
            PaginationConfig=self._paging,
        )
        return pages

    def _flush(self) -> None:
        dynamo.batch_write(self._scores, self._writes)
        self.counts.aggregates_rewritten += len(self._writes)
        self._writes = []
