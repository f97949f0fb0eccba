"""Algorithmic attribution: Markov removal effects and Shapley values on journeys worked out by
hand, properties (efficiency, symmetry, agreement with the 2^k formula), and the job's journeys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import combinations
from math import factorial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.journeys import (
    UNATTRIBUTED,
    JourneyStats,
    channel_of,
    journey_of,
    markov,
    shapley,
)
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.touch import Touch
from socialscore.pipeline.channel_attribution import ChannelAttributionJob, is_won
from socialscore_local.memory.journey_state import MemoryJourneyState

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def stats_of(journeys: Iterable[tuple[Sequence[str], bool]]) -> JourneyStats:
    stats = JourneyStats()
    for journey, converted in journeys:
        stats.add(journey, converted)
    return stats


def by_coalitions(stats: JourneyStats) -> dict[str, float]:
    """The textbook Shapley formula over all 2^k coalitions, v(S) = conversions of journeys
    whose channel set lies within S: the independent check of `shapley`."""
    channels = stats.channels
    k = len(channels)

    def v(members: frozenset[str]) -> int:
        return sum(n for t, n in stats.converting_sets.items() if t <= members)

    values = {}
    for c in channels:
        others = [o for o in channels if o != c]
        total = 0.0
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for subset in combinations(others, size):
                s = frozenset(subset)
                total += weight * (v(s | {c}) - v(s))
        values[c] = total
    return values


# --- known answers ---------------------------------------------------------------------------


def test_markov_and_shapley_on_three_journeys() -> None:
    # A>B converts, A is lost, B converts.
    # Transitions: start>A 2/3, start>B 1/3; A>B 1/2, A>null 1/2; B>conversion 1.
    # P = 2/3 * 1/2 * 1 + 1/3 * 1 = 2/3.
    # Without A: only start>B converts, P = 1/3, removal effect 1 - (1/3)/(2/3) = 1/2.
    # Without B: nothing converts, P = 0, removal effect 1.
    # Shares of the 2 conversions: A 0.5/1.5 * 2 = 2/3, B 1/1.5 * 2 = 4/3.
    # Shapley: v({})=0, v(A)=0, v(B)=1, v(AB)=2; A = 1/2 (0 + (2-1)) = 1/2,
    # B = 1/2 ((1-0) + (2-0)) = 3/2; they sum to the 2 conversions.
    stats = stats_of([(["A", "B"], True), (["A"], False), (["B"], True)])

    result = markov(stats)

    assert result.conversion_probability == pytest.approx(2 / 3)
    assert result.removal_effects == pytest.approx({"A": 0.5, "B": 1.0})
    assert result.shares == pytest.approx({"A": 2 / 3, "B": 4 / 3})
    assert shapley(stats) == pytest.approx({"A": 0.5, "B": 1.5})
    assert (stats.journeys, stats.conversions, stats.touches) == (3, 2, 4)


def test_a_cycle_between_channels() -> None:
    # A>B>A converts, B is lost. Transitions: start>A 1/2, start>B 1/2; A>B 1/2,
    # A>conversion 1/2; B>A 1/2, B>null 1/2.
    # p(A) = 1/2 p(B) + 1/2 and p(B) = 1/2 p(A): p(A) = 2/3, p(B) = 1/3, P = 1/2.
    # Without A: p(B) = 0, P = 0, effect 1. Without B: p(A) = 1/2, P = 1/4, effect 1/2.
    # Shares of 1 conversion: A 1/1.5 = 2/3, B 1/3. Shapley: the one converting set {A, B}
    # splits its conversion evenly, 1/2 each (a channel counts once per journey).
    stats = stats_of([(["A", "B", "A"], True), (["B"], False)])

    result = markov(stats)

    assert result.conversion_probability == pytest.approx(0.5)
    assert result.removal_effects == pytest.approx({"A": 1.0, "B": 0.5})
    assert result.shares == pytest.approx({"A": 2 / 3, "B": 1 / 3})
    assert shapley(stats) == pytest.approx({"A": 0.5, "B": 0.5})


def test_a_repeated_channel_is_a_self_loop_solved_exactly() -> None:
    # A>A converts, A is lost: start>A 1; A>A 1/3, A>conversion 1/3, A>null 1/3.
    # p(A) = 1/3 p(A) + 1/3, so p(A) = 1/2 = P; without A, P = 0: effect 1, the 1 conversion.
    stats = stats_of([(["A", "A"], True), (["A"], False)])

    result = markov(stats)

    assert result.conversion_probability == pytest.approx(0.5, abs=1e-12)
    assert result.shares == pytest.approx({"A": 1.0})
    assert shapley(stats) == {"A": 1.0}


def test_no_conversion_gives_nothing_and_empty_journeys_are_left_out() -> None:
    stats = stats_of([(["A"], False), ([], True), (["B", "A"], False)])

    result = markov(stats)

    assert (stats.journeys, stats.conversions) == (2, 0)
    assert result.conversion_probability == 0
    assert result.shares == {"A": 0.0, "B": 0.0}
    assert shapley(stats) == {"A": 0.0, "B": 0.0}
    assert markov(JourneyStats()).shares == {}


def test_twenty_channels_are_exact_without_grouping() -> None:
    # Each of 20 channels converts alone once (1 each), and one journey through all 20 converts
    # (1/20 each): 1.05 each, 21 in all. Shapley needs no 2^20 coalitions here: v is a sum of
    # one unanimity game per converting channel set, so no channel is grouped as "other".
    channels = [f"s-{n:02}" for n in range(20)]
    stats = stats_of([([c], True) for c in channels] + [(channels, True)])

    values = shapley(stats)

    assert values == pytest.approx(dict.fromkeys(channels, 1.05))
    assert sum(values.values()) == pytest.approx(21)
    assert sum(markov(stats).shares.values()) == pytest.approx(21)


# --- properties ------------------------------------------------------------------------------

CHANNELS = ["a", "b", "c", "d", "e", "f"]
journeys_strategy = st.lists(
    st.tuples(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=6), st.booleans()),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(journeys_strategy)
def test_shapley_is_the_coalition_formula_and_adds_up(
    journeys: list[tuple[list[str], bool]],
) -> None:
    stats = stats_of(journeys)

    values = shapley(stats)

    assert values == pytest.approx(by_coalitions(stats), abs=1e-9)
    assert sum(values.values()) == pytest.approx(stats.conversions)
    assert sum(markov(stats).shares.values()) == pytest.approx(stats.conversions)


def swapped(journey: list[str]) -> list[str]:
    return [{"a": "b", "b": "a"}.get(c, c) for c in journey]


@settings(max_examples=150, deadline=None)
@given(journeys_strategy)
def test_interchangeable_channels_get_equal_credit(journeys: list[tuple[list[str], bool]]) -> None:
    # Each journey with its mirror (a and b swapped): a and b play the same role. A converting
    # journey through a (mirrored through b) makes sure both earn something to compare.
    every = [*journeys, (["a"], True)]
    stats = stats_of(every + [(swapped(j), converted) for j, converted in every])

    values, shares = shapley(stats), markov(stats).shares

    assert values["a"] > 0
    assert values["a"] == pytest.approx(values["b"], abs=1e-9)
    assert shares["a"] == pytest.approx(shares["b"], abs=1e-9)


# --- journeys of touches ----------------------------------------------------------------------


def touch(
    n: int,
    *,
    profile: str = "x#u1",
    hours: float = 0,
    seller: str | None = "s-ana",
    team: str | None = "enterprise",
    kind: Kind = Kind.LIKE,
    category: Category = Category.ORGANIC,
) -> Touch:
    return Touch(
        profile=profile,
        dedupe_key=f"i#{n}",
        interaction_id=f"iid-{n}",
        network=Network.X,
        kind=kind,
        category=category,
        weight=1.0,
        units=Decimal(1),
        occurred_at=T0 + timedelta(hours=hours),
        post="x#1",
        own_post=None,
        seller_id=seller,
        team=team,
        intent_hits=(),
        model_version="v1",
    )


def test_a_journey_is_its_organic_touches_oldest_first_by_channel() -> None:
    touches = [
        touch(1, hours=5, seller="s-ben", team="smb", kind=Kind.SHARE),
        touch(2, hours=1, seller=None, team=None, kind=Kind.COMMENT),
        touch(3, hours=3, category=Category.PAID),
        touch(4, hours=2),
    ]

    assert journey_of(touches, "seller") == [UNATTRIBUTED, "s-ana", "s-ben"]
    assert journey_of(touches, "team") == [UNATTRIBUTED, "enterprise", "smb"]
    assert journey_of(touches, "kind") == ["comment", "like", "share"]
    assert journey_of(touches, "network") == ["x", "x", "x"]
    assert channel_of(touches[1], "seller") == UNATTRIBUTED


def test_won_stages_ignore_case_and_blanks() -> None:
    assert is_won("Closed Won", ["closedwon", "Closed Won"])
    assert is_won("closedwon ", ["Closed Won", "ClosedWon"])
    assert not is_won("Closed Lost", ["Closed Won", "closedwon"])
    assert not is_won("", ["Closed Won"])


class Fakes:
    def __init__(self) -> None:
        self.contacts = {"C-1": ["x#u1"], "C-2": ["x#u2"], "C-3": ["x#u3"]}
        self.touches = {
            "x#u1": [touch(1, hours=1), touch(2, hours=30, seller="s-ben")],
            "x#u2": [touch(3, profile="x#u2", hours=2, seller="s-ben")],
            "x#u3": [],
        }
        created = T0 + timedelta(hours=24)
        self.opps = [
            Opportunity(
                id="O-1",
                contact_ids=["C-1", "C-3", "C-x"],
                amount=Decimal("10.00"),
                currency="USD",
                created_at=created,
                modified_at=created,
                stage="closedwon",
            ),
            Opportunity(
                id="O-2",
                contact_ids=["C-2"],
                amount=Decimal("10.00"),
                currency="USD",
                created_at=created,
                modified_at=created,
                stage="Negotiation",
            ),
        ]
        self.saved: list[tuple[str, str, dict[str, Any]]] = []

    def touches_of(self, profile: str) -> list[Touch]:
        return self.touches[profile]

    def save(self, version: str, as_of: str, result: dict[str, Any]) -> None:
        self.saved.append((version, as_of, result))

    # The incremental job's other ports: a first run reads every profile, nothing is marked.
    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        links = {p: c for c, ps in self.contacts.items() for p in ps}
        return {i: links[i] for i in identities if i in links}

    def identities_of(self, contact_id: str) -> list[str]:
        return self.contacts.get(contact_id, [])

    def every_opportunity(self) -> list[Opportunity]:
        return self.opps

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        return set(), set()

    def hold(self, since: datetime) -> None:
        pass

    def folded(self, since: datetime | None, until: datetime) -> None:
        pass

    def profiles_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        return sorted(self.touches), ""


def job_on(fakes: Fakes) -> ChannelAttributionJob:
    return ChannelAttributionJob(
        links=fakes,
        ledger=fakes,
        opportunities=fakes,
        changes=fakes,
        profiles=fakes,
        state=MemoryJourneyState(),
        store=fakes,
        model_version="v1",
    )


def test_the_job_ends_a_won_journey_when_its_deal_was_opened_and_stores_the_result() -> None:
    fakes = Fakes()
    job = job_on(fakes)

    result = job.run(T0 + timedelta(days=3))

    # O-1 converts with s-ana only: its contacts C-1 and C-3 (C-3 without a touch) make one
    # journey, and C-1's s-ben touch came after O-1 was opened; C-2 is lost through s-ben.
    # Markov: start>s-ana 1/2 converts, so P = 1/2 and only s-ana's removal matters (effect 1);
    # Shapley: {s-ana} holds the one conversion. One won deal, one conversion.
    assert (result["journeys"], result["conversions"], result["touches"]) == (2, 1, 2)
    assert result["conversions_without_touch"] == 0
    assert result["markov"] == {"s-ana": 1.0, "s-ben": 0.0}
    assert result["removal_effects"] == {"s-ana": 1.0, "s-ben": 0.0}
    assert result["shapley"] == {"s-ana": 1.0, "s-ben": 0.0}
    assert result["version"] == "2026-11-04#v1"
    assert fakes.saved == [("2026-11-04#v1", "2026-11-04T00:00:00+00:00", result)]


def won(
    deal: str, contacts: list[str], hours: float = 24, stage: str = "Closed Won"
) -> Opportunity:
    created = T0 + timedelta(hours=hours)
    return Opportunity(
        id=deal,
        contact_ids=contacts,
        amount=Decimal("1000.00"),
        currency="USD",
        created_at=created,
        modified_at=created,
        stage=stage,
    )


def test_conversions_are_counted_per_won_deal_whoever_its_contacts() -> None:
    # Three won deals over four contacts: W-1 has two contacts, C-3 is in W-2 and W-3. Counted
    # per contact that was 4 conversions (and 5 with C-4's); per won deal it is 3.
    fakes = Fakes()
    fakes.contacts = {f"C-{n}": [f"x#u{n}"] for n in range(1, 6)}
    fakes.touches = {
        "x#u1": [touch(1, profile="x#u1", hours=1, seller="s-ana")],
        "x#u2": [touch(2, profile="x#u2", hours=2, seller="s-ben")],
        "x#u3": [touch(3, profile="x#u3", hours=3, seller="s-ana")],
        "x#u4": [touch(4, profile="x#u4", hours=4, seller="s-chloe")],
        "x#u5": [touch(5, profile="x#u5", hours=5, seller="s-ben")],
    }
    fakes.opps = [
        won("W-1", ["C-1", "C-2"]),
        won("W-2", ["C-3"]),
        won("W-3", ["C-3", "C-4"]),
        won("L-1", ["C-5"], stage="Closed Lost"),
    ]

    result = job_on(fakes).run(T0 + timedelta(days=3))

    assert (result["conversions"], result["conversions_without_touch"]) == (3, 0)
    assert result["journeys"] == 4  # the three won deals, and C-5, who won nothing
    # Shapley: W-1 {s-ana, s-ben} gives each 1/2, W-2 {s-ana} 1, W-3 {s-ana, s-chloe} 1/2 each.
    assert result["shapley"] == {"s-ana": 2.0, "s-ben": 0.5, "s-chloe": 0.5}
    assert sum(result["markov"].values()) == pytest.approx(3.0)


def test_a_won_deal_without_a_touch_is_one_conversion_apart_however_many_contacts() -> None:
    fakes = Fakes()
    fakes.contacts = {"C-1": ["x#u1"], "C-2": ["x#u2"], "C-3": ["x#u3"]}
    fakes.touches = {"x#u1": [], "x#u2": [], "x#u3": [touch(3, profile="x#u3", hours=1)]}
    fakes.opps = [won("W-1", ["C-1", "C-2"]), won("W-2", ["C-3"])]

    result = job_on(fakes).run(T0 + timedelta(days=3))

    # W-1's two contacts never touched anything: one won deal outside both models, not two.
    assert (result["conversions"], result["conversions_without_touch"]) == (1, 1)
    assert result["journeys"] == 1


def test_a_won_deals_journey_is_its_contacts_touches_in_time_order_until_it_was_opened() -> None:
    fakes = Fakes()
    fakes.contacts = {"C-1": ["x#u1"], "C-2": ["x#u2", "x#u9"]}
    fakes.touches = {
        "x#u1": [touch(1, profile="x#u1", hours=3, seller="s-ben")],
        "x#u2": [touch(2, profile="x#u2", hours=1, seller="s-ana")],
        # C-2's other identity, after the deal was opened at hour 24: not the deal's journey.
        "x#u9": [touch(9, profile="x#u9", hours=30, seller="s-chloe")],
    }
    fakes.opps = [won("W-1", ["C-1", "C-2"])]

    result = job_on(fakes).run(T0 + timedelta(days=3))

    # One journey s-ana > s-ben > conversion: removing either loses it (effect 1 each).
    assert (result["journeys"], result["conversions"], result["touches"]) == (1, 1, 2)
    assert result["removal_effects"] == {"s-ana": 1.0, "s-ben": 1.0}
    assert result["shapley"] == {"s-ana": 0.5, "s-ben": 0.5}
