"""`socialscore top` and the hot leads without the identities table read whole (report.
lazy_grouping over the in-memory links): the same rows as over the whole grouping and as the
recomputation over every profile, reads that follow the rows asked for (not the linked
identities), and the bound on any contact's identities that the stopping rule trusts kept by
every writer of a link, read whole while no rebuild has made it ready."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from threading import Lock

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.aggregates import ProfileTotal
from socialscore.domain.interaction import Category, Identify
from socialscore.domain.scoring_model import bundled
from socialscore.domain.standing import standing
from socialscore.domain.touch import Touch
from socialscore.pipeline.resolution import relink
from socialscore.report import leads, top_bounded
from socialscore.report.lazy_grouping import LazyGrouping
from socialscore.report.leads import Grouping
from socialscore.report.recount import recount
from socialscore.report.rows import ScoreRow
from socialscore.store.identities import Link
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.scores import MemoryScoreStore
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.support import link
from tests.unit.journey_world import touch as journey_touch

MODEL = bundled()
NOW = datetime(2026, 11, 22, tzinfo=UTC)


class CountedLinks:
    """The in-memory links, each read counted as the identities table would be called."""

    def __init__(self, links: MemoryIdentityLinks) -> None:
        self.inner = links
        self.calls: dict[str, int] = {}
        self._lock = Lock()  # the Queries come from reader threads

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.calls[name] = self.calls.get(name, 0) + n

    def links(self, identities: list[str]) -> dict[str, Link]:
        self._count("links", -(-len(identities) // 100))  # BatchGetItem: 100 keys a call
        return self.inner.links(identities)

    def identities_of(self, contact_id: str) -> list[str]:
        self._count("identities_of")
        return self.inner.identities_of(contact_id)

    def most_identities(self) -> int | None:
        self._count("most_identities")
        return self.inner.most_identities()

    def identity_bounds(self, contacts: list[str]) -> dict[str, int]:
        self._count("identity_bounds", -(-len(contacts) // 100))
        return self.inner.identity_bounds(contacts)

    def all_contacts(self) -> dict[str, list[str]]:
        self._count("all_contacts")
        return self.inner.all_contacts()


def touch(n: int, profile: str, units: int, paid: bool = False) -> Touch:
    category = Category.PAID if paid else Category.ORGANIC
    made = journey_touch(n, profile, 0, "s-ana", category)
    return replace(
        made, weight=float(units), units=Decimal(units), occurred_at=NOW - timedelta(minutes=n)
    )


identify = partial(link, since=NOW - timedelta(days=30))


class World:
    def __init__(self, touches: list[Touch], links: list[Identify], built: bool = True) -> None:
        self.scores = MemoryScoreStore()
        self.ledger = MemoryTouchLedger(self.scores)
        self.ledger.record(list(touches))
        self.identities = MemoryIdentityLinks()
        self.identities.link(links)
        if built:
            self.identities.rebuild_most()
        self.counted = CountedLinks(self.identities)

    def whole(self) -> Grouping:
        return Grouping(self.counted.all_contacts())

    def lazy(self) -> LazyGrouping:
        return LazyGrouping(self.counted, self.whole)

    def recomputed(self) -> list[ScoreRow]:
        """Every profile's row from every item and touch (the report's reference)."""
        profiles = sorted({k.profile for k in self.scores.items if isinstance(k, ProfileTotal)})
        items = self.scores.profile_units(profiles)
        grouping = Grouping(self.identities.all_contacts())
        rows = recount(items, grouping, self.ledger.every_touch(), self.identities, MODEL, NOW)
        return [replace(r, buckets=(), owner=None) for r in rows]

    def top(self, n: int) -> list[ScoreRow]:
        return top_bounded.top(self.scores, self.lazy(), MODEL, NOW, n)


PROFILES = [f"x#{n}" for n in range(1, 10)]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    touches = [
        touch(n, draw(st.sampled_from(PROFILES)), units)
        for n, units in enumerate(draw(st.lists(st.integers(1, 6), max_size=30)))
    ]  # small units: ties are common
    touches += [
        touch(100 + n, p, 2, paid=True)
        for n, p in enumerate(draw(st.lists(st.sampled_from(PROFILES), max_size=5)))
    ]
    contacts = draw(st.lists(st.sampled_from(["003A", "003B", "003C", None]), min_size=9))
    links = [
        identify(p.removeprefix("x#"), c, n)
        for n, (p, c) in enumerate(zip(PROFILES, contacts, strict=False))
        if c is not None
    ]
    return World(touches, links)


@settings(max_examples=80, deadline=None)
@given(worlds(), st.integers(1, 10))
def test_the_top_n_read_lazily_is_the_full_ranking_s_first_n(w: World, n: int) -> None:
    organic = {p for p, _ in w.scores.ranked(Category.ORGANIC)}
    whole = Grouping(w.identities.all_contacts())
    expected = [r for r in w.recomputed() if set(whole.identities(r.who)) & organic][:n]
    assert w.top(n) == expected
    assert top_bounded.top(w.scores, whole, MODEL, NOW, n) == expected
    assert "all_contacts" not in w.counted.calls  # the bound was ready: never read whole


def test_a_contact_whose_identities_are_each_below_the_n_th_is_found_by_their_sum() -> None:
    # 003A: x#1 (4) + x#2 (4) + x#3 (4) = 12 beats x#4 (9); each of its identities is below
    # the 2nd best (8) and below x#7 (7): a bound of 1 would stop at x#7, before meeting 003A
    w = World(
        [
            *(touch(1, "x#1", 4), touch(2, "x#2", 4), touch(3, "x#3", 4), touch(4, "x#4", 9)),
            *(touch(5, "x#5", 8), touch(6, "x#6", 1), touch(7, "x#7", 7)),
        ],
        [identify("1", "003A"), identify("2", "003A"), identify("3", "003A")],
    )
    assert w.identities.most_identities() == 3
    assert [(r.who, r.contact) for r in w.top(2)] == [("003A", True), ("x#4", False)]
    assert w.top(2) == w.recomputed()[:2]


def test_ties_are_broken_by_paid_then_id_as_the_report_orders_them() -> None:
    # x#2, x#3 and 003A (x#4 + x#5) all at 5 organic; x#3 has paid points: it goes first
    w = World(
        [
            *(touch(1, "x#1", 7), touch(2, "x#2", 5), touch(3, "x#3", 5)),
            *(touch(30, "x#3", 1, True), touch(4, "x#4", 3), touch(5, "x#5", 2)),
        ],
        [identify("4", "003A"), identify("5", "003A")],
    )
    assert [r.who for r in w.top(3)] == ["x#1", "x#3", "003A"]
    assert w.top(4) == w.recomputed()[:4]


def test_an_erased_profile_is_neither_in_the_top_nor_a_hot_lead() -> None:
    w = World([touch(1, "x#1", 9), touch(2, "x#2", 5), touch(3, "x#3", 4)], [])
    w.scores.mark_hot(["x#1", "x#2"], Category.ORGANIC, NOW.isoformat())
    flagged = [p for p, _ in w.scores.hot()]
    w.scores.forget("x#1")  # erased after the hot flags were read
    assert [r.who for r in w.top(2)] == ["x#2", "x#3"]
    rows = leads.hot_leads(flagged, w.scores, w.lazy(), MODEL, NOW)
    assert [r.who for r in rows] == ["x#2"]


def test_while_no_rebuild_made_the_bound_ready_top_reads_the_links_whole_once() -> None:
    # a stack linked before the bound existed: the sets hold only links written since
    w = World(
        [touch(1, "x#1", 4), touch(2, "x#2", 4), touch(3, "x#3", 4), touch(4, "x#4", 9)],
        [identify("1", "003A"), identify("2", "003A"), identify("3", "003A")],
        built=False,
    )
    assert w.identities.most_identities() is None
    assert [r.who for r in w.top(1)] == ["003A"]
    assert w.counted.calls["all_contacts"] == 1
    assert w.top(3) == w.recomputed()[:3]


def test_each_writer_of_a_link_raises_the_bound_and_an_unlink_keeps_it() -> None:
    identities = MemoryIdentityLinks()
    identities.rebuild_most()
    pending = MemorySyncState(Requests(Clock()))
    # identify events (SMMS, `socialscore identities import`) and CRM contacts' social fields
    # (pipeline.crm_identities) both link through resolution.relink
    relink([identify("1", "003A"), identify("2", "003A")], [], identities, pending, NOW)
    assert identities.most_identities() == 2
    relink([identify("3", "003A", 1)], [], identities, pending, NOW)
    assert identities.most_identities() == 3
    relink([], [("x#3", "003A")], identities, pending, NOW)  # a CRM field cleared
    assert identities.most_identities() == 3  # a bound, never lowered
    relink([identify("3", "003A", 2)], [], identities, pending, NOW)  # the same one again
    assert identities.most_identities() == 3
    identities.link([identify("4", "003B", 3)])
    assert identities.most_identities() == 3


def test_top_50_reads_the_links_as_often_at_2000_profiles_as_at_200() -> None:
    def calls(profiles: int) -> dict[str, int]:
        # scores falling as a real ranking's do (a few high, a long tail); every third profile
        # linked, two a contact (x#0 and x#3 are C-0's): the bound is 2
        touches = [touch(p, f"x#{p}", max(1, 10_000 // (p + 1))) for p in range(profiles)]
        w = World(touches, [identify(str(p), f"C-{p // 6}") for p in range(0, profiles, 3)])
        assert w.identities.most_identities() == 2
        assert w.top(50) == w.recomputed()[:50]
        return w.counted.calls

    small, large = calls(200), calls(2000)
    assert "all_contacts" not in large
    assert large == small
    assert large["links"] <= 4  # a page of links a BatchGetItem


def test_the_hot_leads_shown_reuse_the_links_their_grouping_read() -> None:
    w = World(
        [touch(1, "x#1", 30), touch(2, "x#2", 3), touch(3, "x#3", 40)],
        [identify("1", "003A"), identify("2", "003A")],
    )
    w.scores.mark_hot(["x#1", "x#3"], Category.ORGANIC, NOW.isoformat())
    grouping = w.lazy()
    rows = leads.hot_leads([p for p, _ in w.scores.hot()], w.scores, grouping, MODEL, NOW)
    before = dict(w.counted.calls)
    shown = leads.detailed(rows, w.scores, grouping, grouping, w.ledger, MODEL, NOW)
    assert w.counted.calls == before  # no link read twice, no contact queried twice
    assert [r.who for r in shown] == ["x#3", "003A"]
    assert [r.owner is not None for r in shown] == [True, True]


def test_hot_leads_read_before_a_rebuild_query_the_contacts_not_the_whole_table() -> None:
    w = World(
        [touch(1, "x#1", 30), touch(2, "x#2", 3), touch(3, "x#3", 40)],
        [identify("1", "003A"), identify("2", "003A")],
        built=False,
    )
    w.scores.mark_hot(["x#1", "x#3"], Category.ORGANIC, NOW.isoformat())
    rows = leads.hot_leads([p for p, _ in w.scores.hot()], w.scores, w.lazy(), MODEL, NOW)
    expected = [r for r in w.recomputed() if r.who in {"003A", "x#3"}]
    assert [(r.who, r.organic) for r in rows] == [(r.who, r.organic) for r in expected]
    assert "all_contacts" not in w.counted.calls  # the hot leads never need the bound
    assert w.counted.calls["identities_of"] == 1  # 003A's, as the set may miss older links


def test_a_contact_linked_within_the_index_s_lag_is_whole_all_the_same() -> None:
    clock = [NOW]
    w = World([touch(1, "x#1", 30), touch(2, "x#2", 5)], [identify("1", "003A")])
    lagging = MemoryIdentityLinks(clock=lambda: clock[0], index_lag=timedelta(minutes=1))
    lagging.link([identify("1", "003A")])
    lagging.rebuild_most()
    clock[0] = NOW + timedelta(minutes=5)
    lagging.link([identify("2", "003A", 1)])  # the by_contact index does not show it yet
    assert lagging.identities_of("003A") == ["x#1"]
    w.counted = CountedLinks(lagging)
    w.scores.mark_hot(["x#2"], Category.ORGANIC, NOW.isoformat())
    (lead,) = leads.hot_leads(["x#2"], w.scores, w.lazy(), MODEL, NOW)
    both = standing(w.scores.profile_units(["x#1", "x#2"]), ["x#1", "x#2"], NOW, MODEL).organic
    assert (lead.who, lead.organic) == ("003A", both)  # x#1 + x#2: both identities, once each
    assert [(r.who, r.organic) for r in w.top(1)] == [("003A", both)]


def test_a_contact_with_more_identities_than_a_set_holds_is_linked_and_top_reads_whole() -> None:
    # 13,000 hashes of 32 bytes: 416 KB, over DynamoDB's 400 KB an item; links keep coming
    w = World([touch(1, "x#c1", 4), touch(2, "x#c2", 4), touch(3, "x#9", 7)], [])
    for start in range(0, 13_000, 100):  # as resolve's batches bring them
        w.identities.link([identify(f"c{i}", "003A") for i in range(start, start + 99)])
        w.identities.link([identify(f"c{start + 99}", "003A"), identify(f"b{start}", "003B")])
    assert len(w.identities.identities_of("003A")) == 13_000  # every link written
    assert len(w.identities.identities_of("003B")) == 130  # its batch-mates too
    assert w.identities.most_identities() is None  # no set bounds 003A: no bound at all
    assert w.identities.rebuild_most() is None  # a rebuild cannot make one either
    assert [r.who for r in w.top(2)] == ["003A", "x#9"]  # x#c1 + x#c2 (8) over x#9 (7)
    assert w.counted.calls["all_contacts"] == 1  # read whole, as before the bound existed
    assert w.top(2) == top_bounded.top(w.scores, w.whole(), MODEL, NOW, 2)
    # linked before the bound existed, in one batch (an import): the rebuild finds the set full
    old = World([], [identify(f"c{i}", "003A") for i in range(13_000)], built=False)
    assert old.identities.rebuild_most() is None
    assert old.identities.most_identities() is None


class LaggingIndex(MemoryScoreStore):
    """The scores a moment after x#2 was erased: its item gone, its `by_units` entry not yet
    (the index is eventually consistent)."""

    def ranked(self, category: Category, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        if category is not Category.ORGANIC:
            return iter([])
        return iter([("x#2", Decimal(9)), ("x#3", Decimal(5)), ("x#4", Decimal(3))])


def test_a_profile_erased_while_the_index_still_shows_it_is_never_listed_by_top() -> None:
    w = World([touch(3, "x#3", 5), touch(4, "x#4", 3)], [])
    lagging = LaggingIndex(items=w.scores.items)  # x#3's and x#4's items; x#2's gone
    assert [r.who for r in top_bounded.top(lagging, w.lazy(), MODEL, NOW, 2)] == ["x#3", "x#4"]
    assert [r.who for r in top_bounded.top(lagging, w.lazy(), MODEL, NOW, 1)] == ["x#3"]
