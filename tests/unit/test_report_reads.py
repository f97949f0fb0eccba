"""The report's and the CLI's reads that do not read every profile or touch, on the in-memory
fakes (socialscore_local.memory): hot leads from the `hot` flags, the top N from the units
ranking (a contact over its identities), the score spread streamed from the ranking, attributed
opportunities from their contacts' touches alone. Each equals the recomputation over every
profile item and every touch that the report made before (the rules of Snapshot.scores and the
whole-ledger journeys); identity coverage from the rollups and the tally's day sums equals it
over every touch, and the anonymous profiles to identify next are the recomputation's best
anonymous ones."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain import attribution
from socialscore.domain.aggregates import ProfileTotal
from socialscore.domain.attribution import splits
from socialscore.domain.coverage import Sums, added, contributed, coverage, over, rows
from socialscore.domain.interaction import Category, ConsentBasis, Identify, Kind, Network
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.owners import Owner
from socialscore.domain.rollups import recompute
from socialscore.domain.scoring_model import bundled
from socialscore.domain.standing import standing
from socialscore.domain.touch import Touch
from socialscore.report import covered, leads, top_bounded
from socialscore.report.journeys import Journeys
from socialscore.report.leads import Grouping
from socialscore.report.recount import recount
from socialscore.report.rows import Amounts, OpportunityView, ScoreRow
from socialscore.report.spread import Spread, spread
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.scores import MemoryScoreStore
from tests.unit.journey_world import touch as journey_touch

MODEL = bundled()
NOW = datetime(2026, 11, 22, tzinfo=UTC)
SELLERS = ["s-ana", "s-bo", None]


@dataclass
class World:
    scores: MemoryScoreStore
    ledger: MemoryTouchLedger
    links: MemoryIdentityLinks

    @property
    def grouping(self) -> Grouping:
        return Grouping(self.links.all_contacts())

    def flagged(self) -> list[str]:
        return [p for p, _ in self.scores.hot()]


def touch(
    n: int, profile: str, units: int, seller: str | None, paid: bool = False, days: int = 1
) -> Touch:
    """journey_world's touch, its units, kind, time and post varied with `n`."""
    kind = Kind.COMMENT if n % 3 == 0 else Kind.LIKE
    made = journey_touch(n, profile, 0, seller, Category.PAID if paid else Category.ORGANIC, kind)
    return replace(
        made,
        weight=float(units),
        units=Decimal(units),
        occurred_at=NOW - timedelta(days=days, minutes=n),
        post=f"x#{n % 4}",
    )


def identify(user: str, contact: str, owner: str | None = None, minutes: int = 0) -> Identify:
    return Identify(
        event_id=f"e-{user}",
        source="smms",
        network=Network.X,
        network_user_id=user,
        contact_id=contact,
        consent_basis=ConsentBasis.OPT_IN,
        occurred_at=NOW - timedelta(days=30, minutes=minutes),
        owner_id=owner,
    )


def world(touches: list[Touch], links: list[Identify], hot: list[str]) -> World:
    scores = MemoryScoreStore()
    ledger = MemoryTouchLedger(scores)
    ledger.record(list(touches))
    identities = MemoryIdentityLinks()
    identities.link(links)
    scores.mark_hot(hot, Category.ORGANIC, (NOW - timedelta(hours=1)).isoformat())
    ledger.read.clear()
    return World(scores, ledger, identities)


def recomputed(w: World) -> list[ScoreRow]:
    """Every profile's row as the report drew it from every item and every touch."""
    profiles = sorted({k.profile for k in w.scores.items if isinstance(k, ProfileTotal)})
    items = w.scores.profile_units(profiles)
    return recount(items, w.grouping, w.ledger.every_touch(), w.links, MODEL, NOW)


def hot_leads(w: World, detail: int) -> list[ScoreRow]:
    rows = leads.hot_leads(w.flagged(), w.scores, w.grouping, MODEL, NOW)
    shown = leads.detailed(rows[:detail], w.scores, w.grouping, w.links, w.ledger, MODEL, NOW)
    return shown + rows[detail:]


def bare(rows: list[ScoreRow]) -> list[ScoreRow]:
    return [replace(r, buckets=(), owner=None) for r in rows]


# --- random worlds ---------------------------------------------------------------------------
PROFILES = [f"x#{n}" for n in range(1, 9)]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    touches = [
        touch(n, draw(st.sampled_from(PROFILES)), units, draw(st.sampled_from(SELLERS)))
        for n, units in enumerate(draw(st.lists(st.integers(1, 9), max_size=30)))
    ]
    paid = [
        touch(100 + n, p, u, None, paid=True)
        for n, (p, u) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from(PROFILES), st.integers(1, 5)), max_size=6))
        )
    ]
    contacts = draw(st.lists(st.sampled_from(["003A", "003B", None]), min_size=8, max_size=8))
    owners = draw(st.lists(st.sampled_from(["005X", None]), min_size=8, max_size=8))
    links = [
        identify(p.removeprefix("x#"), c, o, minutes=n)
        for n, (p, c, o) in enumerate(zip(PROFILES, contacts, owners, strict=True))
        if c is not None
    ]
    # a flag may name a profile with no item: a flag written as its profile was erased
    hot = draw(st.lists(st.sampled_from([*PROFILES, "x#99"]), max_size=4))
    return world(touches + paid, links, hot)


@settings(max_examples=60, deadline=None)
@given(worlds())
def test_hot_leads_are_the_flagged_profiles_of_the_full_recomputation(w: World) -> None:
    expected = [r for r in recomputed(w) if r.hot_since]
    assert hot_leads(w, detail=len(expected)) == expected
    # past `detail`, rows come without owner and buckets, in the same order
    assert bare(hot_leads(w, detail=0)) == bare(expected)


@settings(max_examples=60, deadline=None)
@given(worlds(), st.integers(1, 10))
def test_the_top_n_is_the_full_ranking_s_first_n(w: World, n: int) -> None:
    organic = {p for p, _ in w.scores.ranked(Category.ORGANIC)}  # profiles with organic units
    grouping = w.grouping
    ranked = [r for r in recomputed(w) if set(grouping.identities(r.who)) & organic]
    assert top_bounded.top(w.scores, grouping, MODEL, NOW, n) == bare(ranked)[:n]


@settings(max_examples=60, deadline=None)
@given(worlds())
def test_the_spread_counts_every_profile_as_the_full_recomputation(w: World) -> None:
    assert spread(w.scores, w.grouping, w.flagged(), MODEL, NOW) == Spread.of(recomputed(w))


def test_a_contact_whose_identities_are_each_below_the_top_n_is_in_it_by_their_sum() -> None:
    # 003A: x#1 (5) + x#2 (5) = 10 beats x#3 (8) and x#4 (7); neither of its identities does
    w = world(
        [
            *(touch(1, "x#1", 5, "s-ana"), touch(2, "x#2", 5, "s-ana")),
            *(touch(3, "x#3", 8, "s-bo"), touch(4, "x#4", 7, "s-bo"), touch(5, "x#5", 1, None)),
        ],
        [identify("1", "003A"), identify("2", "003A")],
        [],
    )
    assert [p for p, _ in w.scores.top(2)] == ["x#3", "x#4"]  # by identity
    # after x#3 (8) and x#4 (7) no identity can beat 8, yet a contact of two identities can
    assert [r.who for r in top_bounded.top(w.scores, w.grouping, MODEL, NOW, 1)] == ["003A"]
    top = top_bounded.top(w.scores, w.grouping, MODEL, NOW, 2)
    assert [(r.who, r.contact) for r in top] == [("003A", True), ("x#3", False)]
    assert top == bare(recomputed(w))[:2]
    assert (
        top[0].organic
        == standing(w.scores.profile_units(["x#1", "x#2"]), ["x#1", "x#2"], NOW, MODEL).organic
    )


def test_a_hot_lead_flagged_on_a_low_identity_is_its_contact_owned_by_the_tally_s_leader() -> None:
    # x#1 crossed the threshold and was flagged; its contact's other identity x#2 scores more
    # and its touches are s-bo's: the lead is the contact, owned by s-bo (3 touches to 1)
    w = world(
        [touch(1, "x#1", 2, "s-ana")]
        + [touch(n, "x#2", 6, "s-bo") for n in (2, 3, 4)]
        + [touch(5, "x#3", 40, "s-ana")],
        [identify("1", "003A"), identify("2", "003A")],
        ["x#1"],
    )
    (lead,) = hot_leads(w, detail=1)
    assert (lead.who, lead.contact) == ("003A", True)
    assert lead.owner == Owner("seller", "s-bo")
    assert [lead] == [r for r in recomputed(w) if r.hot_since]


def test_the_owner_comes_from_the_tally_and_a_tie_is_left_to_the_touches() -> None:
    assert leads.owner_from_tally("005X", [{"s-ana": 3}]) == Owner("crm_owner", "005X")
    assert leads.owner_from_tally(None, [{"s-ana": 1}, {"s-bo": 2}]) == Owner("seller", "s-bo")
    assert leads.owner_from_tally(None, [{"s-ana": 2}, {"s-ana": 1, "s-bo": 2}]) == Owner(
        "seller", "s-ana"
    )  # summed over a contact's identities: 3 to 2
    assert leads.owner_from_tally(None, [{"s-ana": 2}, {"s-bo": 2}]) is None  # a tie
    assert leads.owner_from_tally(None, []) == Owner("queue", "")


# --- attributed opportunities from their contacts' touches ----------------------------------
def opportunity(deal: str, contacts: list[str], days: int, amount: str = "100.00") -> Opportunity:
    return Opportunity(
        id=deal,
        contact_ids=contacts,
        amount=Decimal(amount),
        currency="USD",
        stage="won",
        created_at=NOW - timedelta(days=days),
        modified_at=NOW,
    )


def whole_ledger(w: World, opp: Opportunity) -> OpportunityView:
    """The opportunity's view as the report drew it: its journey cut from every touch."""
    grouping = w.grouping
    mine = [i for c in opp.contact_ids for i in grouping.contacts.get(c, [])]
    linked = w.links.linked_at(mine)
    identified = min((linked[i] for i in mine if i in linked), default=None)
    journey = [t for t in w.ledger.every_touch() if t.profile in mine]
    window, by_model = splits(opp, journey, MODEL, identified)
    shown: dict[str, dict[str, Amounts]] = {}
    for name, shares in by_model.items():
        parts = attribution.influence(window, shares)
        shown[name] = {dim: parts[f"by_{dim}"] for dim in ("seller", "post", "network")}
    primary = MODEL.attribution.primary
    return OpportunityView(
        opp.id, opp.amount, opp.currency, opp.stage, opp.created_at, len(window), primary, shown
    )


def test_an_opportunity_s_journey_reads_its_contacts_touches_alone() -> None:
    w = world(
        [touch(n, f"x#{1 + n % 5}", 1 + n % 4, SELLERS[n % 3], days=1 + n % 20) for n in range(60)],
        [identify("1", "003A"), identify("2", "003A", minutes=5), identify("3", "003B")],
        [],
    )
    deals = [opportunity("o1", ["003A"], 0), opportunity("o2", ["003A", "003B"], 3, "250.00")]
    deals.append(opportunity("o3", ["003C"], 2))  # a contact with no identity: no touch
    journeys = Journeys(w.links, w.links.identities_of, w.ledger, MODEL)
    views = journeys.views(deals)
    # each of the contacts' identities read once; x#4, x#5 (anonymous) never, nor a scan
    assert sorted(w.ledger.read) == ["x#1", "x#2", "x#3"]
    assert views == [whole_ledger(w, deal) for deal in deals]
    assert [v.touches > 0 for v in views] == [True, True, False]


# --- identity coverage, without reading every touch -----------------------------------------
@settings(max_examples=60, deadline=None)
@given(worlds())
def test_coverage_from_the_rollups_and_the_tally_s_days_is_coverage_over_every_touch(
    w: World,
) -> None:
    touches = w.ledger.every_touch()
    networks: Sums = {}
    sellers: Sums = {}
    for (_, dimension, name), c in recompute(touches).items():  # the rollups of every day
        into = {"network": networks, "seller": sellers}.get(dimension)
        if into is not None and "organic_touches" in c:
            n, p = into.get(name, (0, Decimal(0)))
            into[name] = (n + int(c["organic_touches"]), p + c["organic_points"])
    days: dict[str, Sums] = {}  # the tally's day items: every contact's part summed
    for ids in w.grouping.contacts.values():
        mine = [t for t in touches if t.profile in ids]
        added(days, contributed(mine, NOW.date() - timedelta(days=90), NOW.date()))
    linked = over(days.values())
    assert rows(networks, sellers, linked) == coverage(touches, set(w.grouping.contact_of))


@settings(max_examples=60, deadline=None)
@given(worlds(), st.integers(1, 10))
def test_the_anonymous_profiles_to_identify_are_the_best_anonymous_scores(w: World, n: int) -> None:
    expected = sorted(
        (r for r in recomputed(w) if not r.contact and r.organic > 0),
        key=lambda r: (-r.organic, r.who),
    )[:n]
    found = covered.anonymous(w.scores, w.grouping, MODEL, NOW, n)
    assert [(a.profile, a.score) for a in found] == [(r.who, r.organic) for r in expected]
    organic = [t.profile for t in w.ledger.every_touch() if t.category is Category.ORGANIC]
    assert [a.touches for a in found] == [organic.count(a.profile) for a in found]
