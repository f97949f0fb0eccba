"""The tables bench/scale_attribution.py's attribution job runs over, in memory, each call
charged as DynamoDB charges it (`Meter`): read units (a Query's or Scan's page 0.5 per 4 KB; a
GetItem's or BatchGetItem's item 0.5 per 4 KB, 1 when consistent), write units (1 per KB of an
item written, 1 a delete), bytes read and calls, the items sized as the stores write them (a
ledger entry from store.ledger_items' item; the job's summaries and book as encoded)."""

from __future__ import annotations

import json
import math
import random
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.journey_book import Book, Step, encode_book, encode_summary
from socialscore.domain.journey_units import WonDeal
from socialscore.domain.journeys import JourneySummary
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger_items import item_of
from socialscore_local.memory.journey_state import MemoryJourneyState

SELLERS = [f"s-{n:02d}" for n in range(50)] + [None]
LINKED, WON, CHANGED = 0.3, 0.1, 1 / 9
BUILT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # the first build's slot; the day's run after
# us-east-1: on-demand request units (aws.amazon.com/dynamodb/pricing/on-demand/) and Lambda's
# x86 GB-second (aws.amazon.com/lambda/pricing/); AttributionFunction has the Globals' 512 MB.
PRICE_RRU, PRICE_WRU, PRICE_GB_S, MEMORY_GB = 0.125e-6, 0.625e-6, 0.0000166667, 0.5


def size(item: dict[str, Any]) -> int:
    """A DynamoDB item's size, about: attribute names and values."""
    return sum(len(name) + len(json.dumps(value)) - 8 for name, value in item.items())


def touch(rng: random.Random, profile: str, n: int, at: datetime) -> Touch:
    seller = rng.choice(SELLERS)
    kind = rng.choice([Kind.LIKE, Kind.LIKE, Kind.COMMENT, Kind.SHARE])
    category = Category.PAID if rng.random() < 0.1 else Category.ORGANIC
    team = None if seller is None else "team-1"
    return Touch(
        profile, f"i#{profile}-{n}", f"{profile}-{n}", Network.X, kind, category, 1.0,
        Decimal(1), at, f"x#{rng.randrange(2000)}", None, seller, team, (), "v1",
    )  # fmt: skip


_SAMPLE = touch(random.Random(1), "x#123456", 3, BUILT)
LEDGER_ITEM = size(
    dynamo.to_item(item_of(_SAMPLE.profile, _SAMPLE.dedupe_key, LedgerEntry(_SAMPLE)))
)
IDENTITY_ITEM, KEY_ONLY, OPPORTUNITY_ITEM, PUSHED_ITEM = 160, 40, 420, 250


@dataclass
class Meter:
    read_units: float = 0.0
    write_units: float = 0.0
    bytes: int = 0
    calls: int = 0
    side_calls: int = 0  # made by the job's reader threads, READERS at once

    def read(self, sizes: Iterable[int], page: bool, consistent: bool = False) -> None:
        """One call reading these items: a page (Query, Scan) or items by key."""
        found = list(sizes)
        share = 1.0 if consistent else 0.5
        self.calls += 1
        self.side_calls += threading.current_thread() is not threading.main_thread()
        self.bytes += sum(found)
        if page:
            self.read_units += max(1, math.ceil(sum(found) / 4096)) * share
        else:
            self.read_units += sum(math.ceil(s / 4096) for s in found) * share

    def write(self, sizes: Iterable[int], calls: int = 1) -> None:
        self.calls += calls
        self.write_units += sum(max(1, math.ceil(s / 1024)) for s in sizes)


@dataclass
class World:
    """The tables' contents, served as the stores would serve them, each call metered."""

    meter: Meter
    touches: dict[str, list[Touch]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    deals: dict[str, Opportunity] = field(default_factory=dict)
    marks: set[str] = field(default_factory=set)
    saved: dict[str, Any] = field(default_factory=dict)

    def touches_of(self, profile: str) -> list[Touch]:
        found = self.touches.get(profile, [])
        self.meter.read([LEDGER_ITEM] * len(found), page=True)
        return found

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        found = {i: self.links[i] for i in identities if i in self.links}
        for _ in range(0, len(identities), 100):
            self.meter.read([IDENTITY_ITEM] * min(100, len(found)), page=False)
        return found

    def identities_of(self, contact_id: str) -> list[str]:
        self.meter.read([KEY_ONLY], page=True)
        return [f"x#{contact_id.removeprefix('C-')}"]

    def all_contacts(self) -> dict[str, list[str]]:
        self.meter.read([IDENTITY_ITEM] * len(self.links), page=True)
        self.meter.calls += len(self.links) * IDENTITY_ITEM // 2**20  # 1 MB a Scan page
        return {c: [p] for p, c in self.links.items()}

    def every_opportunity(self) -> list[Opportunity]:
        """A Scan of the sync state: the opportunities, and a pushed record per contact."""
        sizes = [OPPORTUNITY_ITEM] * len(self.deals) + [PUSHED_ITEM] * len(self.links)
        self.meter.read(sizes, page=True)
        self.meter.calls += sum(sizes) // 2**20
        return list(self.deals.values())

    def opportunities_of_and_read(self, contacts: Iterable[str]) -> list[Opportunity]:
        wanted = list(contacts)
        self.meter.read([KEY_ONLY] * (len(wanted) // 10), page=False)
        self.meter.calls += len(wanted) // 100
        found = [d for d in self.deals.values() if d.contact_ids[0] in set(wanted)]
        self.meter.read([OPPORTUNITY_ITEM] * len(found), page=False)
        return found

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        buckets = int((until - since).total_seconds() // 600) + 1
        self.meter.read([sum(len(p) + 3 for p in self.marks)], page=False)
        self.meter.calls += buckets * 16 // 100
        return set(self.marks), set()

    def hold(self, since: datetime) -> None:
        self.meter.write([60])

    def folded(self, since: datetime | None, until: datetime) -> None:
        self.meter.write([60])
        self.marks = set()

    def profiles_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        """A Scan page of the ledger: `limit` items, or 1 MB, whichever comes first."""
        if not hasattr(self, "_every"):
            self._every = sorted(self.touches)
        items, start, end = 0, int(cursor or 0), int(cursor or 0)
        while end < len(self._every) and items < min(limit, 2**20 // LEDGER_ITEM):
            items += len(self.touches[self._every[end]])
            end += 1
        self.meter.read([LEDGER_ITEM] * items, page=True)
        return self._every[start:end], str(end) if end < len(self._every) else ""

    def save(self, version: str, as_of: str, result: dict[str, Any]) -> None:
        self.meter.write([len(json.dumps(result))] * 2, calls=2)
        self.saved[version] = result


class MeteredState(MemoryJourneyState):
    """store.journey_state's reads and writes, charged: consistent reads, the book whole."""

    def __init__(self, meter: Meter) -> None:
        super().__init__()
        self.meter = meter

    def book(self) -> Book:
        book = super().book()
        self.meter.read([len(zlib.compress(encode_book(book).encode()))], False, True)
        return book

    def summaries(self, units: list[str]) -> dict[str, JourneySummary]:
        found = super().summaries(units)
        sizes = [len(u) + len(encode_summary(s)) + 10 for u, s in found.items()]
        self.meter.read(sizes, page=False, consistent=True)
        self.meter.calls += len(units) // 100
        return found

    def pointers(self, profiles: list[str]) -> dict[str, str]:
        found = super().pointers(profiles)
        self.meter.read([KEY_ONLY] * len(found), page=False, consistent=True)
        self.meter.calls += len(profiles) // 100
        return found

    def deals(self, ids: list[str]) -> dict[str, WonDeal]:
        found = super().deals(ids)
        self.meter.read([60] * len(found), page=False, consistent=True)
        self.meter.calls += len(ids) // 100
        return found

    def commit(self, step: Step, book: Book) -> None:
        body = len(zlib.compress(encode_book(book).encode()))
        writes = [len(u) + (len(encode_summary(s)) if s else 0) for u, s in step.summaries.items()]
        writes += [KEY_ONLY] * len(step.pointers) + [60] * len(step.deals)
        self.meter.write([body + sum(writes) // 4] * (2 if writes else 1))  # book, then pending
        self.meter.write(writes, calls=math.ceil(len(writes) / 25))
        super().commit(step, book)


def world(profiles: int, meter: Meter, seed: int = 7) -> World:
    rng = random.Random(seed)
    w = World(meter)
    for p in range(profiles):
        profile = f"x#{p}"
        w.touches[profile] = [
            touch(rng, profile, n, BUILT - timedelta(minutes=rng.randrange(90 * 24 * 60)))
            for n in range(rng.randint(1, 19))
        ]
        if rng.random() < LINKED:
            w.links[profile] = f"C-{p}"
            if rng.random() < WON:
                created = BUILT - timedelta(days=rng.randrange(60))
                w.deals[f"O-{p}"] = Opportunity(
                    id=f"O-{p}", contact_ids=[f"C-{p}"], amount=Decimal(100), currency="USD",
                    created_at=created, modified_at=BUILT, stage="Closed Won",
                )  # fmt: skip
    return w


def the_day(w: World, seed: int = 8) -> None:
    rng = random.Random(seed)
    for p in rng.sample(sorted(w.touches), int(len(w.touches) * CHANGED)):
        w.touches[p] = [*w.touches[p], touch(rng, p, 99, BUILT + timedelta(hours=12))]
        w.marks.add(p)
