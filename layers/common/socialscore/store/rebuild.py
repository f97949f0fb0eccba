"""Rebuilding the aggregates from the ledger (`socialscore rebuild`): every touch's units under
one half-life, and every aggregate item set to what the counted touches imply.

Values are set, not added, and only where they differ: run twice, or again after an
interruption, a rebuild writes only what is not yet right. It owns `units` and `touches` of
profile items and the counters of post and seller items; every other attribute (`hot_since`,
`team`) is kept. The score stage spreads a post's and a seller's counters over shards by batch,
which the ledger does not record, so those are compared summed over their shards; a wrong sum
is set whole on shard 0 and the other shards' counters are zeroed.

Both passes scan with consistent reads, a page at a time, and write with BatchWriteItem; between
them it keeps every profile's id (to find profile items no entry supports any more) and every
post's and seller's summed counters, no more: about 150 MB for a million profiles and 100,000
posts.

Nothing else may write the ledger or the scores meanwhile: a delta added between a read here
and the write after it would be lost, and an erased person's entries written back. The caller
stops the score stage first (socialscore_ops.rebuild_pause).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from typing import Any

from socialscore.aws import clients
from socialscore.domain.aggregates import (
    AggregateKey,
    Aggregates,
    PostCounter,
    ProfileTotal,
    SellerCounter,
    coalesce,
)
from socialscore.domain.decay import STORED_DIGITS, units
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger_items import entry_of
from socialscore.store.scores import item_key

PROFILE_COUNTERS = frozenset({"units", "touches"})
POST_COUNTERS = frozenset(f"{c}_{k}" for c in Category for k in Kind)
SELLER_COUNTERS = frozenset(f"{c}_{n}" for c in Category for n in ("points", "touches"))
Counter = PostCounter | SellerCounter
_COUNTERS_A_READ = 12  # posts or sellers: their 8 shards each in one BatchGetItem of 100


@dataclass
class Counts:
    entries_read: int = 0  # ledger entries (a deleted post's marker is none)
    entries_rewritten: int = 0  # their units were not those of the half-life
    aggregates_rewritten: int = 0  # score items written
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
        else:
            return None
    except ValueError:
        return None
    return key if item_key(key) == pk else None


def _plain(value: Decimal) -> Decimal:
    # Plain digits, as DynamoDB keeps them: moto would keep 0E-14, which its next ADD refuses.
    return Decimal(format(value, "f")) if value else Decimal(0)


def _names(key: AggregateKey) -> frozenset[str]:
    return POST_COUNTERS if isinstance(key, PostCounter) else SELLER_COUNTERS


def _differs(item: dict[str, Any], want: dict[str, Decimal], names: frozenset[str]) -> bool:
    return any(item.get(n, 0) != want.get(n, 0) for n in names)


class Rebuild:
    """One pass over the ledger (`ledger_pages`), then one over the scores (`score_pages`)."""

    def __init__(
        self,
        ledger_table: str,
        scores_table: str,
        half_life_seconds: float,
        page_items: int | None = None,  # None: DynamoDB's pages of 1 MB
    ) -> None:
        self._ledger = ledger_table
        self._scores = scores_table
        self._half_life = half_life_seconds
        self._paging = {"PageSize": page_items} if page_items else {}
        self.counts = Counts()
        self._counters = Aggregates()  # every post's and seller's totals, on shard 0
        self._done: set[str] = set()  # profiles whose items are set
        # The page's last profile: the next page may hold more of its entries.
        self._open: tuple[str, list[Touch | None]] | None = None

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
        agg = coalesce([t for ts in groups.values() for t in ts if t is not None], [], shard=0)
        want: dict[str, dict[str, Decimal]] = {
            item_key(ProfileTotal(p, c)): {} for p in groups for c in Category
        }
        for key, counters in agg.counters.items():
            if isinstance(key, ProfileTotal):
                want[item_key(key)] = counters
            else:  # a post's or seller's share: summed over the whole ledger first
                for name, amount in counters.items():
                    self._counters.add(key, name, amount)
        self._counters.teams |= agg.teams
        stored = dynamo.batch_get(self._scores, "pk", list(want), consistent=True)
        puts = []
        for pk, counters in want.items():
            item = stored.get(pk)
            if item is not None and not _differs(item, counters, PROFILE_COUNTERS):
                self.counts.aggregates_unchanged += 1
            elif item is not None or counters:  # no item and nothing to hold: none needed
                values = {n: _plain(counters.get(n, Decimal(0))) for n in PROFILE_COUNTERS}
                puts.append((item or {"pk": pk}) | values)
        self._write(puts)
        self._done |= groups.keys()

    # --- the scores: posts' and sellers' counters, profiles the ledger no longer has ------------
    def score_pages(self) -> Iterator[int]:
        """Scan the scores a page at a time (yields the items each held), then set every post's
        and seller's counters to the ledger's totals. Call after `ledger_pages` is exhausted."""
        summed: dict[Counter, dict[str, Decimal]] = defaultdict(dict)  # over the shards
        shards: dict[Counter, list[int]] = defaultdict(list)
        for page in self._scan(self._scores):
            orphans = []
            for item in (dynamo.from_item(i) for i in page["Items"]):
                key = key_of(item["pk"])
                if isinstance(key, ProfileTotal) and key.profile not in self._done:
                    if _differs(item, {}, PROFILE_COUNTERS):  # touches no entry supports now
                        orphans.append(item | {n: Decimal(0) for n in PROFILE_COUNTERS})
                    else:
                        self.counts.aggregates_unchanged += 1
                elif isinstance(key, PostCounter | SellerCounter):
                    whole = replace(key, shard=0)
                    shards[whole].append(key.shard)
                    with localcontext(STORED_DIGITS):  # as DynamoDB's ADD summed them
                        for name in _names(key) & item.keys():
                            summed[whole][name] = summed[whole].get(name, Decimal(0)) + item[name]
            self._write(orphans)
            yield len(page["Items"])
        wanted = {k for k in self._counters.counters if isinstance(k, PostCounter | SellerCounter)}
        wrong = []
        for key in sorted(shards.keys() | wanted, key=item_key):
            if _differs(summed.get(key, {}), self._counters.counters.get(key, {}), _names(key)):
                wrong.append(key)
            else:
                self.counts.aggregates_unchanged += len(shards[key])
        # Only the wrong ones' items are read again, whole: what else they hold stays.
        for start in range(0, len(wrong), _COUNTERS_A_READ):
            chunk = {k: shards.get(k, []) for k in wrong[start : start + _COUNTERS_A_READ]}
            keys = [item_key(replace(k, shard=n)) for k, ns in chunk.items() for n in ns]
            found = dynamo.batch_get(self._scores, "pk", keys, consistent=True)
            for key, numbers in chunk.items():
                items = {
                    n: found[pk]
                    for n in numbers
                    if (pk := item_key(replace(key, shard=n))) in found
                }
                self._counter(key, items)

    def _counter(self, key: Counter, shards: dict[int, dict[str, Any]]) -> None:
        """Set a post's or seller's whole totals on its shard 0, and zero its other shards."""
        names = _names(key)
        want = self._counters.counters.get(key, {})
        puts = [
            item | {n: Decimal(0) for n in names if n in item}
            for shard, item in shards.items()
            if shard != 0 and _differs(item, {}, names)
        ]
        first = shards.get(0, {"pk": item_key(key)})
        values: dict[str, Any] = {
            n: _plain(want.get(n, Decimal(0))) for n in names if n in want or n in first
        }
        if isinstance(key, SellerCounter) and "team" not in first and key in self._counters.teams:
            values["team"] = self._counters.teams[key]
        if 0 in shards or want:
            puts.append(first | values)
        self._write(puts)

    def _scan(self, table: str) -> Iterator[dict[str, Any]]:
        paginator = clients.client("dynamodb").get_paginator("scan")
        pages: Iterator[dict[str, Any]] = paginator.paginate(
            # Consistent: the last batch the score stage wrote before it stopped is read too.
            TableName=table,
            ConsistentRead=True,
            PaginationConfig=self._paging,
        )
        return pages

    def _write(self, items: list[dict[str, Any]]) -> None:
        dynamo.batch_write(
            self._scores, [{"PutRequest": {"Item": dynamo.to_item(i)}} for i in items]
        )
        self.counts.aggregates_rewritten += len(items)
