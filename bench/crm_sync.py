"""crm_sync benchmark: DynamoDB requests, records pushed and CRM calls per run, beside what
changed, for 10, 100 and 1,000 opportunities and 1,000 / 10,000 / 100,000 contacts on a
synthetic ledger.

The real CrmSync runs against in-memory repositories that count requests as the DynamoDB
store issues them (batch gets of 100 keys, one query per contact's identities and per
identity's touches, scan pages of about 1 MB) and a CRM that counts calls as Salesforce's
sObject Collections take them (200 records a call per object: the adapters' own tests prove they
batch so). Runs: the first (everything),
one with nothing changed, one with 1 % of contacts and 1 % of opportunities changed, the
next day's (decay only), and a decay-only day once every contact's last organic touch has been
read (a run reads at most `FIRST_READS` contacts' ledgers for the first time, so 100,000
contacts take ten daily passes). `ledger` counts the touch queries among the DynamoDB requests:
those of the changed contacts and of the re-attributed opportunities' contacts.

    .venv/bin/python bench/crm_sync.py [--limit 200]
"""

from __future__ import annotations

import argparse
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from socialscore.crm.base import Push, PushOutcome
from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Identify, Kind, Network
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_sync import FIRST_READS, CrmSync
from socialscore.store.sync_state import CHANGE_SHARDS

MODEL = bundled()
DAY0 = datetime(2026, 11, 20, 6, tzinfo=UTC)
SCAN_PAGE_ITEMS = 10_000  # about 1 MB of ~100-byte items


def batches(n: int, size: int = 100) -> int:
    return math.ceil(n / size)


@dataclass
class Requests:
    counts: Counter[str] = field(default_factory=Counter)
    ledger: int = 0  # of the queries, those of a profile's touches

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] += n

    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class World:
    requests: Requests
    links: dict[str, list[str]]  # contact -> identities
    touches: dict[str, list[Touch]]  # identity -> touches
    changed: set[str] = field(default_factory=set)  # profiles marked since the last run
    state: dict[str, Any] = field(default_factory=dict)


class Identities:
    def __init__(self, w: World) -> None:
        self.w = w
        self.owner = {i: c for c, ids in w.links.items() for i in ids}

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        self.w.requests.add("BatchGetItem", batches(len(identities)))
        return {i: self.owner[i] for i in identities if i in self.owner}

    def linked_at(self, identities: list[str]) -> dict[str, datetime]:
        self.w.requests.add("BatchGetItem", batches(len(identities)))
        return {}

    def owners_of(self, identities: list[str]) -> dict[str, str]:
        self.w.requests.add("BatchGetItem", batches(len(identities)))
        return {}

    def set_owner(self, identities: list[str], contact_id: str, owner_id: str) -> None:
        self.w.requests.add("UpdateItem", len(identities))

    def identities_of(self, contact_id: str) -> list[str]:
        self.w.requests.add("Query")
        return self.w.links.get(contact_id, [])

    def all_contacts(self) -> dict[str, list[str]]:
        self.w.requests.add("Scan", batches(len(self.owner), SCAN_PAGE_ITEMS))
        return dict(self.w.links)

    def link(self, event: Identify) -> None: ...
    def unlink(self, identities: list[str]) -> None: ...


class Ledger:
    def __init__(self, w: World) -> None:
        self.w = w

    def touches_of(self, profile: str) -> list[Touch]:
        self.w.requests.add("Query")
        self.w.requests.ledger += 1
        return self.w.touches.get(profile, [])

    def record(self, events: list[Any]) -> int:
        return 0

    def delete_post(self, post: str, at: datetime) -> int:
        return 0

    def erase(self, profile: str) -> int:
        return 0


class Scores:
    def __init__(self, w: World) -> None:
        self.w = w

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], dict[str, Any]]:
        self.w.requests.add("BatchGetItem", batches(2 * len(profiles)))
        out: dict[tuple[str, Category], dict[str, Any]] = {}
        for p in profiles:
            total = sum((t.units for t in self.w.touches.get(p, [])), Decimal(0))
            out[(p, Category.ORGANIC)] = {"units": total}
        return out

    def forget(self, profile: str) -> None: ...
    def mark_hot(self, profiles: list[str], category: Category, at: str) -> None: ...


class SyncState:
    def __init__(self, w: World) -> None:
        self.w = w
        self.s = w.state

    def bookmarks(self, crm: str) -> dict[str, str]:
        self.w.requests.add("BatchGetItem")
        return {k.removeprefix("run#"): str(v) for k, v in self.s.items() if k.startswith("run#")}

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        buckets = int((until - since).total_seconds() // 600) + 1
        self.w.requests.add("BatchGetItem", batches(buckets * CHANGE_SHARDS))
        return set(self.w.changed), set()

    def pending(self) -> set[str]:
        self.w.requests.add("BatchGetItem")
        return set()

    def done(self, erased: Iterable[str]) -> None: ...

    def mark_changed(
        self, at: datetime, profiles: Iterable[str] = (), contacts: Iterable[str] = ()
    ) -> None: ...

    def opportunities(self, ids: Iterable[str]) -> list[Opportunity]:
        keys = set(ids)
        self.w.requests.add("BatchGetItem", batches(len(keys)))
        return [self.s[f"opportunity#{i}"] for i in keys if f"opportunity#{i}" in self.s]

    def opportunities_of(self, contacts: Iterable[str]) -> set[str]:
        keys = set(contacts)
        self.w.requests.add("BatchGetItem", batches(len(keys)))
        return {o for c in keys for o in self.s.get(f"contact#{c}", ())}

    def pushed(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = set(keys)
        self.w.requests.add("BatchGetItem", batches(len(wanted)))
        return {k: self.s[f"pushed#{k}"] for k in wanted if f"pushed#{k}" in self.s}

    def save(
        self,
        pushed: Mapping[str, tuple[str, list[str], Mapping[str, str]]],
        seen: list[Opportunity],
        bookmarks: dict[str, str],
    ) -> None:
        for k, (digest, parts, kept) in pushed.items():
            self.s[f"pushed#{k}"] = {"digest": digest, "parts": parts, "kept": dict(kept)}
        for o in seen:
            self.s[f"opportunity#{o.id}"] = o
            for c in o.contact_ids:
                self.s.setdefault(f"contact#{c}", set()).add(o.id)
        self.s |= {f"run#{k}": v for k, v in bookmarks.items()}
        self.w.changed.clear()


@dataclass
class Crm:
    opportunities: list[Opportunity]
    limit: int
    name: str = "salesforce"
    calls: int = 0
    records: int = 0

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        found = [o for o in self.opportunities if since is None or o.modified_at >= since]
        self.calls += 1 + len(found) // 2000  # a SOQL query page holds 2,000 rows
        return found

    def push(self, push: Push) -> PushOutcome:
        sizes = [
            len(push.scores),
            len(push.influences),
            len(push.records),
            len(push.retired),
            len(push.erased),
            len(push.hot_leads),
        ]
        calls = sum(math.ceil(n / self.limit) for n in sizes)
        self.calls += calls
        self.records += sum(sizes)
        return PushOutcome(calls=calls)


def touch(profile: str, n: int, at: datetime, seller: str) -> Touch:
    weight = MODEL.categories[Category.ORGANIC].weights[Kind.SHARE]
    return Touch(
        profile=profile,
        dedupe_key=f"i#{profile}-{n}",
        interaction_id=f"{profile}-{n}",
        network=Network.X,
        kind=Kind.SHARE,
        category=Category.ORGANIC,
        weight=weight,
        units=units(weight, at, MODEL.half_life_seconds),
        occurred_at=at,
        post=f"x#{9000 + n % 20}",
        own_post=None,
        seller_id=seller,
        team="t",
        intent_hits=(),
        model_version=MODEL.version,
    )


Row = tuple[str, int, int, int, int, int]  # run, changed, requests, ledger, records, calls


def scenario(opportunities: int, contacts: int, limit: int) -> list[Row]:
    rng = random.Random(opportunities * 7 + contacts)
    links = {f"003-{c}": [f"x#{c}"] for c in range(contacts)}
    touches = {
        f"x#{c}": [
            touch(f"x#{c}", n, DAY0 - timedelta(days=rng.randint(1, 60)), f"s-{n % 5}")
            for n in range(rng.randint(1, 3))
        ]
        for c in range(contacts)
    }
    opps = [
        Opportunity(
            id=f"006-{o}",
            contact_ids=[f"003-{rng.randrange(contacts)}" for _ in range(2)],
            amount=Decimal("1000.00"),
            currency="USD",
            created_at=DAY0,
            modified_at=DAY0 - timedelta(days=1, minutes=o),
        )
        for o in range(opportunities)
    ]
    w = World(Requests(), links, touches)
    crm = Crm(opps, limit)
    sync = CrmSync(crm, Identities(w), Ledger(w), Scores(w), SyncState(w), MODEL)
    rows: list[Row] = []

    def run(label: str, at: datetime, changed: int) -> None:
        before, calls, records = w.requests.total(), crm.calls, crm.records
        ledger = w.requests.ledger
        sync.clock = lambda: at
        sync.run(at)
        requests, read = w.requests.total() - before, w.requests.ledger - ledger
        rows.append((label, changed, requests, read, crm.records - records, crm.calls - calls))

    run("first run", DAY0, contacts + opportunities)
    run("nothing changed", DAY0 + timedelta(minutes=15), 0)
    changed = rng.sample(range(contacts), max(1, contacts // 100))
    for c in changed:
        touches[f"x#{c}"].append(touch(f"x#{c}", 99, DAY0 + timedelta(minutes=20), "s-1"))
        w.changed.add(f"x#{c}")
    moved = rng.sample(opps, max(1, opportunities // 100))
    for o in moved:
        crm.opportunities[crm.opportunities.index(o)] = o.model_copy(
            update={"amount": Decimal("2000.00"), "modified_at": DAY0 + timedelta(minutes=25)}
        )
    run("1 % changed", DAY0 + timedelta(minutes=30), len(changed) + len(moved))
    run("decay-only day", DAY0 + timedelta(days=1), contacts)  # every score decayed
    days = math.ceil(contacts / FIRST_READS)  # daily passes until every contact was read once
    for day in range(2, days + 1):
        run("", DAY0 + timedelta(days=day), contacts)
    # As long after the last run as the decay-only day was: the same change buckets to read.
    last = DAY0 + timedelta(days=days, hours=23, minutes=30)
    run("decay, all read", last, contacts)
    return [r for r in rows if r[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=200, help="records per CRM write call")
    args = parser.parse_args()
    print(f"CRM write limit {args.limit} records a call (Salesforce sObject Collections)")
    print("changed: contacts and opportunities changed since the last run (a decay-only day:")
    print("every contact's score); records: pushed (every attribution model's breakdown);")
    print("CRM calls: the read of changed opportunities plus ceil(records / limit) per object")
    print(
        f"{'opps':>6} {'contacts':>9}  {'run':<16} {'changed':>8} {'DynamoDB req':>12} "
        f"{'ledger':>7} {'records':>8} {'CRM calls':>9}"
    )
    for opportunities in (10, 100, 1000):
        for contacts in (1_000, 10_000, 100_000):
            for label, changed, reads, ledger, records, calls in scenario(
                opportunities, contacts, args.limit
            ):
                print(
                    f"{opportunities:>6} {contacts:>9}  {label:<16} {changed:>8} {reads:>12} "
                    f"{ledger:>7} {records:>8} {calls:>9}"
                )


if __name__ == "__main__":
    main()
