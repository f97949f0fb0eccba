"""crm_sync's ports in memory, for fast rule tests and for bench/crm_sync.py: the stores count
the DynamoDB requests the real ones make (batch gets of 100 keys, a query per contact's
identities and per identity's touches, a scan page and a query per page of the daily pass,
batch writes of 25 items) and a CRM counts the calls its API takes, each on a simulated clock
(no real sleeping), so a run's time budget can be spent as on Lambda. The CRM: crm_memory_crm.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from socialscore.domain import record_key as rk
from socialscore.domain.interaction import Category, Identify
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import Pushed, RecordKey
from socialscore.domain.standing import ProfileItem
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.store.sync_state import CHANGE_SHARDS


@dataclass
class Clock:
    seconds: float = 0.0


@dataclass
class Requests:
    """DynamoDB requests by operation, each `latency` simulated seconds."""

    clock: Clock
    latency: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] += n
        self.clock.seconds += n * self.latency

    def total(self) -> int:
        return sum(self.counts.values())


def batches(n: int, size: int = 100) -> int:
    return math.ceil(n / size)


class MemoryIdentities:
    """`links`: contact -> identities, in the order the daily pass pages them (an erasure
    unlinks in place)."""

    def __init__(self, requests: Requests, links: Mapping[str, list[str]]) -> None:
        self.r = requests
        self.links = links
        self.order = list(links)
        self.owners: dict[str, str] = {}

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        self.r.add("BatchGetItem", batches(len(identities)))
        wanted = set(identities)
        return {i: c for c, ids in self.links.items() for i in ids if i in wanted}

    def linked_at(self, identities: list[str]) -> dict[str, datetime]:
        self.r.add("BatchGetItem", batches(len(identities)))
        return {}

    def owners_of(self, identities: list[str]) -> dict[str, str]:
        self.r.add("BatchGetItem", batches(len(identities)))
        return {}

    def set_owner(self, identities: list[str], contact_id: str, owner_id: str) -> None:
        self.r.add("UpdateItem", len(identities))
        self.owners[contact_id] = owner_id

    def identities_of(self, contact_id: str) -> list[str]:
        self.r.add("Query")
        return list(self.links.get(contact_id, []))

    def all_contacts(self) -> dict[str, list[str]]:
        raise AssertionError("crm_sync pages the contacts (contacts_page)")

    def contacts_page(self, cursor: str, limit: int) -> tuple[dict[str, list[str]], str]:
        self.r.add("Scan")
        self.r.add("Query")  # the page's last contact, completed
        start = int(cursor or 0)
        page = self.order[start : start + limit]
        end = start + len(page)
        return {c: list(self.links[c]) for c in page}, str(end) if end < len(self.order) else ""

    def link(self, events: list[Identify]) -> None: ...

    def unlink(self, identities: list[str]) -> None:
        self.r.add("BatchWriteItem", batches(len(identities), 25))
        gone = set(identities)
        for ids in self.links.values():
            ids[:] = [i for i in ids if i not in gone]


class MemoryLedger:
    def __init__(self, requests: Requests, touches: Callable[[str], list[Touch]]) -> None:
        self.r = requests
        self.touches = touches
        self.reads = 0  # of the requests, the queries of a profile's touches

    def touches_of(self, profile: str) -> list[Touch]:
        self.r.add("Query")
        self.reads += 1
        return self.touches(profile)

    def record(self, events: list[Touch | Withdrawal]) -> int:
        return 0

    def delete_post(self, post: str, at: datetime) -> int:
        return 0

    def erase(self, profile: str) -> int:
        return 0


class MemoryScores:
    """`units`: profile -> its organic units (None: no score); `hot`: profiles flagged hot."""

    def __init__(
        self, requests: Requests, units: Callable[[str], Decimal | None], hot: set[str]
    ) -> None:
        self.r = requests
        self.units = units
        self.hot = hot

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        self.r.add("BatchGetItem", batches(2 * len(profiles)))
        hot = "2026-11-01T00:00:00+00:00"
        return {
            (p, Category.ORGANIC): ProfileItem(units, 1, hot if p in self.hot else None)
            for p in profiles
            if (units := self.units(p)) is not None
        }

    def forget(self, profile: str) -> None: ...

    def mark_hot(self, profiles: list[str], category: Category, at: str) -> None: ...


class MemorySyncState:
    def __init__(self, requests: Requests) -> None:
        self.r = requests
        # by the table's item keys: a push's record at pushed#<record key>
        self.items: dict[str, Any] = {}
        self.marks: list[tuple[datetime, str, str]] = []  # (at, "profiles"/"contacts", id)
        self.erasures: set[str] = set()
        self.erased_profiles: set[str] = set()

    def bookmarks(self, crm: str) -> dict[str, str]:
        self.r.add("BatchGetItem")
        return {k.removeprefix("run#"): v for k, v in self.items.items() if k.startswith("run#")}

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        buckets = int((until - since).total_seconds() // 600) + 1
        self.r.add("BatchGetItem", batches(buckets * CHANGE_SHARDS))
        start = _bucket(since)
        found = [(kind, i) for at, kind, i in self.marks if start <= at <= until]
        return {i for k, i in found if k == "profiles"}, {i for k, i in found if k == "contacts"}

    def pending(self) -> tuple[set[str], set[str]]:
        self.r.add("BatchGetItem")
        return set(self.erasures), set(self.erased_profiles)

    def mark_erased(self, contacts: Iterable[str], profiles: Iterable[str] = ()) -> None:
        self.r.add("UpdateItem")
        self.erasures |= set(contacts)
        self.erased_profiles |= set(profiles)

    def done(self, erased: Iterable[str], profiles: Iterable[str] = ()) -> None:
        if (values := set(erased)) | (names := set(profiles)):
            self.r.add("UpdateItem")
            self.erasures -= values
            self.erased_profiles -= names

    def consumed(self, since: datetime, until: datetime) -> None:
        start, end = _bucket(since), _bucket(until)
        self.r.add("BatchGetItem", batches(int((end - start).total_seconds() // 600) * 16))
        gone = {_bucket(m[0]) for m in self.marks if start <= m[0] < end}  # an item a bucket
        self.r.add("BatchWriteItem", batches(len(gone), 25))
        self.marks = [m for m in self.marks if not start <= m[0] < end]

    def forget(
        self,
        contacts: Iterable[str],
        profiles: Iterable[str],
        since: datetime | None,
        until: datetime,
    ) -> None:
        names = {("contacts", c) for c in contacts} | {("profiles", p) for p in profiles}
        records = [rk.contact(i) if k == "contacts" else rk.hot(i) for k, i in names]
        indexes = [f"cases#{i}" for k, i in names if k == "profiles"]
        self.r.add("BatchGetItem", batches(len(indexes)))
        records += [c for i in indexes for c in self.items.get(i, ())]
        keys = [_pushed(r) for r in records] + indexes
        self.r.add("BatchWriteItem", batches(len(keys), 25))
        for key in keys:
            self.items.pop(key, None)
        if since is not None:
            start = _bucket(since)
            self.r.add("BatchGetItem", batches(int((until - start).total_seconds() // 600) + 1))
            named = [m for m in self.marks if start <= m[0] <= until and m[1:] in names]
            self.r.add("UpdateItem", len(named))
            self.marks = [m for m in self.marks if m not in named]

    def mark_changed(
        self, at: datetime, profiles: Iterable[str] = (), contacts: Iterable[str] = ()
    ) -> None:
        self.r.add("UpdateItem")
        self.marks += [(at, "profiles", p) for p in profiles]
        self.marks += [(at, "contacts", c) for c in contacts]

    def opportunities(self, ids: Iterable[str]) -> list[Opportunity]:
        keys = set(ids)
        self.r.add("BatchGetItem", batches(len(keys)))
        found = (self.items.get(f"opportunity#{i}") for i in keys)
        return [o for o in found if o is not None]

    def opportunities_of(self, contacts: Iterable[str]) -> set[str]:
        keys = set(contacts)
        self.r.add("BatchGetItem", batches(len(keys)))
        return {o for c in keys for o in self.items.get(f"contact#{c}", ())}

    def pushed(self, keys: Iterable[RecordKey]) -> dict[RecordKey, Pushed]:
        wanted = set(keys)
        self.r.add("BatchGetItem", batches(len(wanted)))
        found = ((k, self.items.get(_pushed(k))) for k in wanted)
        return {k: replace(p, parts=list(p.parts)) for k, p in found if p}

    def save(
        self,
        pushed: Mapping[RecordKey, Pushed],
        seen: list[Opportunity],
        bookmarks: dict[str, str],
        cases: Mapping[str, set[RecordKey]] | None = None,
    ) -> None:
        self.r.add("BatchWriteItem", batches(len(pushed) + len(seen), 25))
        self.items |= {_pushed(k): replace(p, parts=list(p.parts)) for k, p in pushed.items()}
        for profile, keys in (cases or {}).items():
            self.r.add("UpdateItem")
            self.items.setdefault(f"cases#{profile}", set()).update(keys)
        for o in seen:
            self.items[f"opportunity#{o.id}"] = o
            for c in o.contact_ids:
                self.r.add("UpdateItem")
                self.items.setdefault(f"contact#{c}", set()).add(o.id)
        self.r.add("BatchWriteItem", batches(len(bookmarks), 25))
        self.items |= {f"run#{k}": v for k, v in bookmarks.items()}


def _pushed(key: RecordKey) -> str:
    return f"pushed#{key}"


def _bucket(at: datetime) -> datetime:
    """The start of `at`'s ten-minute change bucket."""
    return at.replace(minute=at.minute // 10 * 10, second=0, microsecond=0)
