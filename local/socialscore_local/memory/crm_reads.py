"""What crm_sync reads besides its own state, in memory, for its rule tests and bench/crm_sync.py:
identity links, the ledger and the scores, each counting the DynamoDB requests the real store
makes (batch gets of 100 keys, a query per contact's identities and per identity's touches, a
scan page and a query per page of the daily pass, batch writes of 25 items). Only what crm_sync
calls does anything: the ledger's and the links' writes are the score and resolve stages'.
Also a synthetic ledger's touch (`share`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Identify, Kind, Network
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import ProfileItem
from socialscore.domain.touch import Touch, Withdrawal
from socialscore_local.memory.counting import Requests, batches


class MemoryIdentities:
    """`links`: contact -> identities, in the order the daily pass pages them (an erasure
    unlinks in place)."""

    def __init__(self, requests: Requests, links: Mapping[str, list[str]]) -> None:
        self.r = requests
        self.links = links
        self.order = list(links)
        self.owners: dict[str, str] = {}
        self.bars: dict[str, datetime] = {}  # erased contacts and identities -> when

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

    def link(self, events: list[Identify]) -> int:
        return 0  # the links' writes are the resolve stage's: none refused here

    def bar(self, ids: list[str], at: datetime) -> None:
        # An erasure's bars, a PutItem each; an earlier erasure's time never overwrites a later
        # one (store.identities.bar's condition).
        self.r.add("PutItem", len(set(ids)))
        self.bars |= {i: max(at, self.bars.get(i, at)) for i in ids}

    def barred(self, ids: list[str]) -> dict[str, datetime]:
        self.r.add("BatchGetItem", batches(len(ids)))
        return {i: self.bars[i] for i in ids if i in self.bars}

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

    def record(
        self, events: list[Touch | Withdrawal], contacts: Mapping[str, str] | None = None
    ) -> int:
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


def share(profile: str, n: int, at: datetime, seller: str, model: ScoringModel) -> Touch:
    """A counted organic share of one of twenty posts: a synthetic ledger's touch."""
    weight = model.categories[Category.ORGANIC].weights[Kind.SHARE]
    return Touch(
        profile=profile,
        dedupe_key=f"i#{profile}-{n}",
        interaction_id=f"{profile}-{n}",
        network=Network.X,
        kind=Kind.SHARE,
        category=Category.ORGANIC,
        weight=weight,
        units=units(weight, at, model.half_life_seconds),
        occurred_at=at,
        post=f"x#{9000 + n % 20}",
        own_post=None,
        seller_id=seller,
        team="t",
        intent_hits=(),
        model_version=model.version,
    )
