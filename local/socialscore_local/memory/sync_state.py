"""crm_sync's state in memory (SyncStateStore), for its rule tests and bench/crm_sync.py: by the
table's item keys as store/sync_state.py writes them, counting the DynamoDB requests it makes
(batch gets of 100 keys, batch writes of 25 items, an update per set changed).

The attribution job's hold (`run#journeys`, written by memory.journey_state's
MemoryJourneyChanges) is kept as the table keeps it: a taken window's buckets from the hold's on
stay for the job, which deletes them once it has folded them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from socialscore.domain import record_key as rk
from socialscore.domain.attributed import Attributed, Recorded
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import Erasures, Landing, Pushed, RecordKey
from socialscore.store.opportunities import INDEXED, fits
from socialscore.store.sync_keys import item_key
from socialscore.store.sync_state import CHANGE_SHARDS, JOURNEYS_HOLD, pending_shards
from socialscore_local.memory.counting import Requests, batches


class MemorySyncState:
    def __init__(self, requests: Requests) -> None:
        self.r = requests
        # by the table's item keys: a push's record at pushed#<record key>
        self.items: dict[str, Any] = {}
        self.marks: list[tuple[datetime, str, str]] = []  # (at, "profiles"/"contacts", id)
        self.erasures: set[str] = set()
        self.erased_profiles: set[str] = set()
        self.lease: tuple[str, datetime] | None = None  # (owner, expires at)
        # opportunity id -> its splits, kept beside its item (opportunity#<id>) as the table's
        self.attributions: dict[str, Attributed] = {}
        self.first = False  # as the table's: no run before, so the index holds every opportunity

    def bookmarks(self, crm: str) -> dict[str, str]:
        self.r.add("BatchGetItem")
        run = item_key("run", "")
        found = {k: v for k, v in self.items.items() if k.startswith(run) and k != JOURNEYS_HOLD}
        self.first = item_key("run", "last_run") not in found
        return {k.removeprefix(run): v for k, v in found.items()}

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        buckets = int((until - since).total_seconds() // 600) + 1
        self.r.add("BatchGetItem", batches(buckets * CHANGE_SHARDS))
        start, end = _bucket(since), _bucket(until) + BUCKET  # until's whole bucket, as the table
        found = [(kind, i) for at, kind, i in self.marks if start <= at < end]
        return {i for k, i in found if k == "profiles"}, {i for k, i in found if k == "contacts"}

    def pending(self) -> Erasures:
        self.r.add("BatchGetItem")
        return Erasures(set(self.erasures), set(self.erased_profiles))

    def mark_erased(self, contacts: Iterable[str], profiles: Iterable[str] = ()) -> None:
        values, names = set(contacts), set(profiles)
        self.r.add("UpdateItem", len(pending_shards(values, names)))  # one per item it is in
        self.erasures |= values
        self.erased_profiles |= names

    def done(self, erased: Iterable[str], profiles: Iterable[str] = ()) -> None:
        values, names = set(erased), set(profiles)
        self.r.add("UpdateItem", len(pending_shards(values, names)))
        self.erasures -= values
        self.erased_profiles -= names

    def take_lease(self, owner: str, now: datetime, until: datetime) -> datetime | None:
        self.r.add("PutItem")
        if self.lease is None or self.lease[1] < now or self.lease[0] == owner:
            self.lease = (owner, until)
            return None
        self.r.add("GetItem")  # the refused put's read: until when the other holds it
        return self.lease[1]

    def release_lease(self, owner: str) -> None:
        self.r.add("DeleteItem")
        if self.lease is not None and self.lease[0] == owner:
            self.lease = None

    def consumed(self, since: datetime, until: datetime) -> None:
        start, end = _bucket(since), _bucket(until)
        self.r.add("BatchGetItem", batches(int((end - start).total_seconds() // 600) * 16))
        if (hold := self.items.get(JOURNEYS_HOLD)) is not None:  # kept for the journeys job
            end = min(end, _bucket(datetime.fromisoformat(hold)))
        self.delete_buckets(start, end)

    def delete_buckets(self, since: datetime, until: datetime) -> None:
        """Delete the change buckets from since's to before until's."""
        start, end = _bucket(since), _bucket(until)
        gone = {_bucket(m[0]) for m in self.marks if start <= m[0] < end}  # an item a bucket
        self.r.add("BatchWriteItem", batches(len(gone), 25))
        self.marks = [m for m in self.marks if not start <= m[0] < end]

    def every_opportunity(self) -> list[Opportunity]:
        """Every opportunity crm_sync has seen, read as store.sync_state reads it: the marker,
        then a Query of the index once it is whole, else a Scan of the table."""
        return [
            r.opportunity for r in (self.created(None, None) if self.indexed() else self.every())
        ]

    # --- the opportunities' reads (store.opportunities.Opportunities) -------------------------
    def indexed(self) -> bool:
        self.r.add("BatchGetItem")
        return INDEXED in self.items

    def mark_indexed(self) -> None:
        self.r.add("BatchWriteItem")
        self.items[INDEXED] = True

    def created(self, since: datetime | None, until: datetime | None) -> Iterator[Recorded]:
        """The period's opportunities: a Query of the index, a page a MB (items of ~1 KB)."""
        found = [
            r
            for r in self._recorded()
            if (since is None or r.opportunity.created_at >= since)
            and (until is None or r.opportunity.created_at < until)
        ]
        self.r.add("Query", max(1, batches(len(found), 1000)))
        return iter(found)

    def keep(self, opp: Opportunity, splits: Attributed) -> bool:
        """As the table's conditional put: not over splits kept under the same rules."""
        self.r.add("PutItem")
        if (kept := self.attributions.get(opp.id)) and kept.rules == splits.rules:
            return False
        self.items[item_key("opportunity", opp.id)] = opp
        self.attributions.pop(opp.id, None)
        if fits(opp, splits.model_dump_json()):
            self.attributions[opp.id] = splits
        return True

    def every(self) -> list[Recorded]:
        self.r.add("Scan")
        return self._recorded()

    def _recorded(self) -> list[Recorded]:
        kept = item_key("opportunity", "")
        return [
            Recorded(opportunity=o, attributed=self.attributions.get(o.id))
            for k, o in sorted(self.items.items())
            if k.startswith(kept)
        ]

    def forget(self, erased: Erasures, since: datetime | None, until: datetime) -> None:
        contacts, profiles = erased
        names = {("contacts", c) for c in contacts} | {("profiles", p) for p in profiles}
        records = [str(rk.contact(i) if k == "contacts" else rk.hot(i)) for k, i in names]
        records += [str(rk.activities(i)) for k, i in names if k == "profiles"]
        indexes = [item_key("cases", i) for k, i in names if k == "profiles"]
        self.r.add("BatchGetItem", batches(len(indexes)))
        records += [c for i in indexes for c in self.items.get(i, ())]  # the cases' keys
        keys = [item_key("pushed", r) for r in records] + indexes
        self.r.add("BatchWriteItem", batches(len(keys), 25))
        for key in keys:
            self.items.pop(key, None)
        if since is not None:
            start, end = _bucket(since), _bucket(until) + BUCKET
            self.r.add("BatchGetItem", batches(int((until - start).total_seconds() // 600) + 1))
            named = [m for m in self.marks if start <= m[0] < end and m[1:] in names]
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
        found = (self.items.get(item_key("opportunity", i)) for i in keys)
        return [o for o in found if o is not None]

    def opportunities_of(self, contacts: Iterable[str]) -> set[str]:
        keys = set(contacts)
        self.r.add("BatchGetItem", batches(len(keys)))
        return {o for c in keys for o in self.items.get(item_key("contact", c), ())}

    def pushed(self, keys: Iterable[RecordKey]) -> dict[RecordKey, Pushed]:
        wanted = set(keys)
        self.r.add("BatchGetItem", batches(len(wanted)))
        found = ((k, self.items.get(item_key("pushed", str(k)))) for k in wanted)
        return {k: replace(p, parts=list(p.parts)) for k, p in found if p}

    def save(self, landing: Landing, seen: list[Opportunity], bookmarks: dict[str, str]) -> None:
        pushed, cases, attributed = landing
        splits = {r.opportunity.id: r for r in attributed}
        opportunities = {o.id: o for o in seen} | {i: r.opportunity for i, r in splits.items()}
        marker = self.first and bool(bookmarks)
        self.r.add("BatchWriteItem", batches(len(pushed) + len(opportunities), 25))
        self.items |= {
            item_key("pushed", str(k)): replace(p, parts=list(p.parts)) for k, p in pushed.items()
        }
        for profile, keys in cases.items():
            self.r.add("UpdateItem")
            self.items.setdefault(item_key("cases", profile), set()).update(map(str, keys))
        for o in opportunities.values():  # a put: the splits it had go unless given again
            self.items[item_key("opportunity", o.id)] = o
            self.attributions.pop(o.id, None)
        self.attributions |= {
            i: r.attributed
            for i, r in splits.items()
            if r.attributed and fits(r.opportunity, r.attributed.model_dump_json())
        }
        for o in seen:
            for c in o.contact_ids:
                self.r.add("UpdateItem")
                self.items.setdefault(item_key("contact", c), set()).add(o.id)
        self.r.add("BatchWriteItem", batches(len(bookmarks) + marker, 25))  # the marker with them
        self.items |= {item_key("run", k): v for k, v in bookmarks.items()}
        if marker:
            self.items[INDEXED], self.first = True, False


BUCKET = timedelta(minutes=10)  # a change bucket: every mark in it is read or deleted together


def _bucket(at: datetime) -> datetime:
    """The start of `at`'s ten-minute change bucket."""
    return at.replace(minute=at.minute // 10 * 10, second=0, microsecond=0)
