"""The scores' profile items, in memory (socialscore_local.memory.scores) and on the table (moto):
read back by profile and category with their tally of touches per seller, a hot-lead flag that
keeps its first time, a forgotten profile gone in both categories, the top profiles by organic
units and the hot leads read from their indexes. On the table, a counted touch moves a profile's
item in the ledger's transaction (store.scores.item_write); in memory, `add` does.

The rollups: what the ledger's transactions leave on the table (store.ledger, read back through
store.rollups from the `by_day` index) is what the memory reader recomputes from the counted
touches (socialscore_local.memory.rollups), for acts replaced on another day and withdrawn."""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest

from socialscore.domain.aggregates import ProfileTotal
from socialscore.domain.interaction import Category
from socialscore.domain.standing import ProfileItem
from socialscore.store.scores import Scores, item_write
from socialscore_local.memory.scores import MemoryScoreStore, touch_write
from tests.integration.moto_tables import moto_table

__all__ = ["moto_table"]  # the fixture `scores` asks for
ORGANIC, PAID = Category.ORGANIC, Category.PAID
EARLY, LATE = "2026-11-20T09:00:00+00:00", "2026-11-21T09:00:00+00:00"


class Table(Scores):
    """The table, with a touch counted as the ledger's transaction counts it."""

    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table

    def add(
        self,
        profile: str,
        category: Category,
        units: Decimal,
        touches: int = 1,
        seller: str | None = None,
    ) -> None:
        write = touch_write(category, units, touches, seller)
        action = item_write(self.table, ProfileTotal(profile, category), write)
        boto3.client("dynamodb").transact_write_items(TransactItems=[action])


@pytest.fixture(params=["memory", "dynamodb"])
def scores(request: pytest.FixtureRequest) -> MemoryScoreStore | Table:
    if request.param == "memory":
        return MemoryScoreStore()
    make = request.getfixturevalue("moto_table")
    return Table(make("ScoresTable"))


def test_a_profiles_items_are_read_back_by_category(scores: MemoryScoreStore | Table) -> None:
    scores.add("x#1", ORGANIC, Decimal("2.5"))
    scores.add("x#1", ORGANIC, Decimal("1.5"))
    scores.add("x#1", PAID, Decimal(1))
    assert scores.profile_units(["x#1", "x#2"]) == {
        ("x#1", ORGANIC): ProfileItem(Decimal(4), 2),
        ("x#1", PAID): ProfileItem(Decimal(1), 1),
    }


def test_a_hot_lead_keeps_its_first_flag_in_its_category_alone(
    scores: MemoryScoreStore | Table,
) -> None:
    scores.add("x#1", ORGANIC, Decimal(30))
    scores.add("x#1", PAID, Decimal(5))
    scores.mark_hot(["x#1", "x#1"], ORGANIC, EARLY)
    scores.mark_hot(["x#1", "x#2"], ORGANIC, LATE)  # x#2 has no item: the flag makes one
    assert scores.profile_units(["x#1", "x#2"]) == {
        ("x#1", ORGANIC): ProfileItem(Decimal(30), 1, EARLY),
        ("x#1", PAID): ProfileItem(Decimal(5), 1),
        ("x#2", ORGANIC): ProfileItem(Decimal(0), 0, LATE),
    }


def test_a_forgotten_profile_is_gone_in_both_categories(scores: MemoryScoreStore | Table) -> None:
    scores.add("x#1", ORGANIC, Decimal(30))
    scores.add("x#1", PAID, Decimal(5))
    scores.add("x#2", ORGANIC, Decimal(1))
    scores.mark_hot(["x#1"], ORGANIC, EARLY)
    scores.forget("x#1")
    assert scores.profile_units(["x#1", "x#2"]) == {("x#2", ORGANIC): ProfileItem(Decimal(1), 1)}


def test_a_profile_s_tally_counts_its_organic_touches_per_seller(
    scores: MemoryScoreStore | Table,
) -> None:
    scores.add("x#1", ORGANIC, Decimal(2), touches=2, seller="s-ana")
    scores.add("x#1", ORGANIC, Decimal(1), seller="s-ben")
    scores.add("x#1", PAID, Decimal(1), seller="s-ben")  # paid: not an earned touch
    scores.add("x#1", ORGANIC, Decimal(1))  # on no seller's post
    assert scores.profile_units(["x#1"]) == {
        ("x#1", ORGANIC): ProfileItem(Decimal(4), 4, None, {"s-ana": 2, "s-ben": 1}),
        ("x#1", PAID): ProfileItem(Decimal(1), 1),
    }


def test_the_top_profiles_by_organic_units_and_the_hot_leads_latest_first(
    scores: MemoryScoreStore | Table,
) -> None:
    for n in range(40):  # over every rank key of the index
        scores.add(f"x#{n}", ORGANIC, Decimal(n) + Decimal("0.5"))
    scores.add("x#paid", PAID, Decimal(1000))  # paid: never ranked
    assert scores.top(3) == [
        ("x#39", Decimal("39.5")),
        ("x#38", Decimal("38.5")),
        ("x#37", Decimal("37.5")),
    ]
    assert len(scores.top(100)) == 40
    scores.mark_hot(["x#5", "x#7"], ORGANIC, EARLY)
    scores.mark_hot(["x#9"], ORGANIC, LATE)
    assert scores.hot() == [("x#9", LATE), ("x#7", EARLY), ("x#5", EARLY)]
