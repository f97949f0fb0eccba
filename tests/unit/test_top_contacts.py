"""`socialscore top` from the contacts' ranking (report.top_contacts): the rows of every profile's
standing sorted the report's way, first n, for any state (anonymous identities, contacts of 1 to
4 identities, ties, n past the profiles); the old reads while `socialscore rebuild` has not made
the ranking ready; and reads that stay a page or two of each ranking however many profiles."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.aggregates import ContactTotal, ProfileTotal
from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import bundled
from socialscore.domain.standing import ProfileItem, standing
from socialscore.report import top_bounded, top_contacts
from socialscore.report.lazy_grouping import LazyGrouping
from socialscore.report.leads import Grouping
from socialscore.report.rows import ScoreRow
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.scores import MemoryScoreStore
from tests.integration.support import link
from tests.unit.test_top_lazy import CountedLinks

MODEL = bundled()
NOW = datetime(2026, 11, 22, tzinfo=UTC)
SHARDS = 16  # the `by_units` keys a ranking is spread over (store.contact_totals.RANK_SHARDS)

identify = partial(link, since=NOW - timedelta(days=30))


class Rankings:
    """The scores table's two rankings as `by_units` serves them: each spread over 16 keys, a
    key's Query answering `page` entries, the next page only when the merge gets there (over the
    memory store's rankings). Every Query counted."""

    def __init__(self, scores: MemoryScoreStore) -> None:
        self.scores = scores
        self.queries: dict[str, int] = {}

    def hot(self) -> list[tuple[str, str]]:
        return self.scores.hot()

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        return self.scores.profile_units(profiles)

    def ranked(self, category: Category, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        return self._paged(str(category), list(self.scores.ranked(category)), page)

    def ranked_contacts(self, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        return self._paged("contacts", list(self.scores.ranked_contacts()), page)

    def contact_ranking_ready(self) -> bool:
        self.queries["ready"] = self.queries.get("ready", 0) + 1
        return self.scores.contact_ranking_ready()

    def _paged(
        self, ranking: str, entries: list[tuple[str, Decimal]], page: int
    ) -> Iterator[tuple[str, Decimal]]:
        shards: list[list[tuple[str, Decimal]]] = [[] for _ in range(SHARDS)]
        for name, units in sorted(entries, key=lambda e: -e[1]):
            shards[int(hashlib.sha256(name.encode()).hexdigest(), 16) % SHARDS].append(
                (name, units)
            )
        return heapq.merge(*(self._key(ranking, s, page) for s in shards), key=lambda e: -e[1])

    def _key(
        self, ranking: str, entries: list[tuple[str, Decimal]], page: int
    ) -> Iterator[tuple[str, Decimal]]:
        for start in range(0, len(entries) + 1, page):  # the last, empty or short, page ends it
            self.queries[ranking] = self.queries.get(ranking, 0) + 1
            yield from islice(entries, start, start + page)
            if start + page > len(entries):
                return


class World:
    def __init__(
        self,
        organic: dict[str, int],
        contacts: dict[str, list[str]],
        paid: dict[str, int] | None = None,
        ready: bool = True,
    ) -> None:
        self.items = MemoryScoreStore()
        for profile, units in organic.items():
            self.items.add(profile, Category.ORGANIC, Decimal(units))
        for profile, units in (paid or {}).items():
            self.items.add(profile, Category.PAID, Decimal(units))
        self.links = MemoryIdentityLinks()
        self.links.link(
            [
                identify(i.removeprefix("x#"), contact, n)
                for contact, ids in contacts.items()
                for n, i in enumerate(ids)
            ]
        )
        self.links.rebuild_most()
        for contact, ids in contacts.items():  # as the score stage and the linker keep them
            held = self.items.profile_units(ids)
            if mine := [held[i, Category.ORGANIC] for i in ids if (i, Category.ORGANIC) in held]:
                total = sum((item.units for item in mine), Decimal(0))
                self.items.items[ContactTotal(contact)] = {"units": total, "touches": len(mine)}
        self.items.ranking_ready = ready
        self.scores = Rankings(self.items)

    def brute_force(self) -> list[ScoreRow]:
        """Every profile with an organic item, its standing, sorted as the report sorts."""
        contacts = self.links.all_contacts()
        linked = {i for ids in contacts.values() for i in ids}
        profiles = {
            k.profile
            for k in self.items.items
            if isinstance(k, ProfileTotal) and k.category is Category.ORGANIC
        }
        whos = {w: [w] for w in profiles - linked} | {
            c: ids for c, ids in contacts.items() if set(ids) & profiles
        }
        items = self.items.profile_units(sorted(profiles | linked))
        rows = []
        for who, ids in whos.items():
            s = standing(items, ids, NOW, MODEL)
            rows.append(ScoreRow(who, who in contacts, s.organic, s.paid, s.hot_since))
        return sorted(rows, key=lambda r: (-r.organic, -r.paid, r.who))

    def top(self, n: int) -> top_contacts.Top:
        grouping = LazyGrouping(self.links, lambda: Grouping(self.links.all_contacts()))
        return top_contacts.best(self.scores, grouping, MODEL, NOW, n)


IDENTITIES = [f"x#{n}" for n in range(12)]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    organic = {
        i: draw(st.integers(1, 6))  # small units: ties are common
        for i in draw(st.lists(st.sampled_from(IDENTITIES), unique=True))
    }
    paid = {i: 2 for i in draw(st.lists(st.sampled_from(IDENTITIES), max_size=4, unique=True))}
    order = draw(st.permutations(IDENTITIES))
    sizes = draw(st.lists(st.integers(1, 4), max_size=4))  # contacts of 1 to 4 identities
    contacts, start = {}, 0
    for c, size in enumerate(sizes):
        if start + size <= len(order):
            contacts[f"003{c}"] = list(order[start : start + size])
            start += size
    return World(organic, contacts, paid)


@settings(max_examples=150, deadline=None)
@given(worlds(), st.integers(1, 14))
def test_the_top_n_from_the_contacts_ranking_is_every_profile_s_standing_first_n(
    w: World, n: int
) -> None:
    found = w.top(n)
    assert found.from_contacts
    assert found.rows == w.brute_force()[:n]


def test_a_contact_whose_identities_are_far_down_is_found_by_its_item_in_one_page() -> None:
    # 300 anonymous identities from 2,000 units down; 003Z's two identities have 1,000 each,
    # past the first page of the identities' ranking: 003Z ties x#0 at 2,000 and goes first
    # (by id); reading the identities down to 003Z's would take three pages
    w = World(
        {f"x#{p}": 2000 - p for p in range(300)} | {"x#a": 1000, "x#b": 1000},
        {"003Z": ["x#a", "x#b"]},
    )
    found = w.top(3)
    assert found.from_contacts
    assert [r.who for r in found.rows] == ["003Z", "x#0", "x#1"]
    assert found.rows == w.brute_force()[:3]
    assert w.scores.queries["organic"] == SHARDS  # a page of each key, once
    assert w.scores.queries["contacts"] == SHARDS


def test_until_rebuild_made_the_ranking_ready_top_reads_as_before() -> None:
    w = World(
        {"x#1": 4, "x#2": 4, "x#3": 4, "x#4": 9, "x#5": 8},
        {"003A": ["x#1", "x#2", "x#3"]},
        ready=False,
    )
    found = w.top(2)
    assert not found.from_contacts
    assert [r.who for r in found.rows] == ["003A", "x#4"]  # 12 over 9: exact all the same
    assert found.rows == w.brute_force()[:2]
    assert found.rows == top_bounded.top(w.scores, Grouping(w.links.all_contacts()), MODEL, NOW, 2)
    assert "contacts" not in w.scores.queries  # the contacts' ranking is not read


def test_a_contact_erased_while_its_item_is_still_ranked_is_never_listed() -> None:
    w = World({"x#1": 9, "x#2": 5, "x#3": 4, "x#4": 3}, {"003A": ["x#1"]})
    w.items.forget("x#1")  # erased after the contacts' ranking was read: 003A still at 9 there
    assert list(w.items.ranked_contacts()) == [("003A", Decimal(9))]
    found = w.top(2)
    assert [r.who for r in found.rows] == ["x#2", "x#3"]
    assert found.rows == w.brute_force()[:2]


def test_top_50_reads_as_many_pages_at_20_000_profiles_as_at_200() -> None:
    def reads(profiles: int) -> tuple[dict[str, int], dict[str, int]]:
        # scores falling as a real ranking's do; every third identity linked, one contact in
        # ten with a second identity from the ranking's lower half (past its first page: only
        # the contact's item ranks it high), at the same units at both sizes
        half = profiles // 2
        contacts = {
            f"C-{p}": [f"x#{p}", f"x#{p + half}"] if p % 30 == 0 else [f"x#{p}"]
            for p in range(0, half, 3)
        }
        organic = {f"x#{p}": 10**9 // (p + 1) for p in range(profiles)}
        w = World(
            organic | {f"x#{p + half}": 10**9 // (p + 101) for p in range(0, half, 30)}, contacts
        )
        counted = CountedLinks(w.links)
        grouping = LazyGrouping(counted, lambda: Grouping(w.links.all_contacts()))
        found = top_contacts.best(w.scores, grouping, MODEL, NOW, 50)
        assert found.from_contacts
        assert found.rows == w.brute_force()[:50]
        return w.scores.queries, counted.calls

    small, large = reads(200), reads(20_000)
    assert large == small
    assert large[0] == {"ready": 1, "organic": SHARDS, "contacts": SHARDS}  # a page a key
