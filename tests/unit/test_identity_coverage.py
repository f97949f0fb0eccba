"""Identity coverage (domain.coverage and the report's section): the share of a period's organic
touches and points from profiles linked to a contact, overall, per network and per seller, paid
touches left out; read from the rollups and crm_sync's tally only when the tally keeps the period
(else the report recounts it from the ledger); the anonymous profiles to identify next, by id; on
the page, escaped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from socialscore.domain.bucket_tally import Place
from socialscore.domain.coverage import (
    EVERY,
    NO_SELLER,
    Anonymous,
    Sums,
    contributed,
    coverage,
    over,
)
from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.rollups import Dimension, recompute
from socialscore.domain.scoring_model import bundled
from socialscore.domain.standing import ProfileItem
from socialscore.domain.touch import Touch
from socialscore.report import page as report_page
from socialscore.report.coverage import publish
from socialscore.report.covered import IdentityCoverage, anonymous, tallied
from socialscore.report.freshness import RECOUNTED
from socialscore.report.period import Period
from tests.unit.report_pages import Canned, read

AS_OF = datetime(2026, 11, 22, tzinfo=UTC)  # Canned's


def touch(
    profile: str,
    weight: float,
    seller: str | None = "ana",
    network: Network = Network.X,
    category: Category = Category.ORGANIC,
    days_ago: float = 1,
) -> Touch:
    return Touch(
        profile=profile,
        dedupe_key=f"{profile}-{weight}-{seller}-{days_ago}",
        interaction_id="1",
        network=network,
        kind=Kind.LIKE,
        category=category,
        weight=weight,
        units=Decimal(str(weight)),
        occurred_at=AS_OF - timedelta(days=days_ago),
        post="x#1",
        own_post=None,
        seller_id=seller,
        team="t",
        intent_hits=(),
        model_version="m",
    )


TOUCHES = [
    touch("x#1", 3.0),  # linked
    touch("x#1", 1.0, seller="bo"),  # linked
    touch("x#2", 2.0),  # anonymous
    touch("linkedin#9", 4.0, seller=None, network=Network.LINKEDIN),  # anonymous, no seller
    touch("x#2", 50.0, category=Category.PAID),  # paid: never counted
]
LINKED = {"x#1"}


def test_coverage_is_the_linked_share_overall_per_network_and_per_seller() -> None:
    rows = {(r.network, r.seller): r for r in coverage(TOUCHES, LINKED)}

    whole = rows[(EVERY, EVERY)]
    assert (whole.touches, whole.linked_touches) == (4, 2)
    assert (whole.points, whole.linked_points) == (Decimal(10), Decimal(4))
    assert whole.point_share == Decimal("0.4")
    assert whole.touch_share == Decimal("0.5")
    assert rows[("x", EVERY)].point_share == Decimal(4) / Decimal(6)
    assert rows[("linkedin", EVERY)].point_share == 0
    assert rows[(EVERY, "ana")].linked_points == 3
    assert rows[(EVERY, "bo")].point_share == 1
    assert rows[(EVERY, NO_SELLER)].touches == 1


def test_the_first_row_is_the_whole_period_then_networks_then_sellers_by_points() -> None:
    order = [(r.network, r.seller) for r in coverage(TOUCHES, LINKED)]
    assert order == [
        (EVERY, EVERY),
        ("x", EVERY),
        ("linkedin", EVERY),
        (EVERY, "ana"),
        (EVERY, NO_SELLER),
        (EVERY, "bo"),
    ]


def test_no_touch_is_no_row_and_no_division_by_zero() -> None:
    assert coverage([], LINKED) == []
    assert coverage([touch("x#2", 1.0, category=Category.PAID)], set()) == []


def test_the_page_shows_the_period_s_coverage_and_whom_to_identify_next() -> None:
    hostile = '<script>alert(1)</script>"'
    earlier = touch("x#1", 100.0, days_ago=45)  # before the 30-day period: not counted
    best = [Anonymous("linkedin#9", 12.5, 3), Anonymous(f"x#{hostile}", 2.25, 1)]
    snapshot = Canned(
        touches=[*TOUCHES, earlier, touch(f"x#{hostile}", 0.5)],
        contacts={"c-1": ["x#1"]},
        anonymous=best,
    )
    html = report_page.render(snapshot)
    parsed = read(html)

    rows = parsed.tables["coverage"]
    assert rows[1][:5] == ["all", "all", "5", "2", "40.0"]  # touches 5, from contacts 2, 40 %
    assert "38.1 % of the period's organic points" in "".join(parsed.text)  # 4 of 10.5
    assert [r[:3] for r in rows if r[0].startswith(("x#", "linkedin#"))] == [
        ["linkedin#9", "12.5", "3"],
        [f"x#{hostile}", "2.2", "1"],
    ]
    assert "best organic score" in "".join(parsed.text)
    assert "<script>alert(1)" not in html


def test_a_period_without_organic_touches_says_so() -> None:
    parsed = read(report_page.render(Canned()))
    assert "No organic touches in this period yet." in "".join(parsed.text)


class Gauges(dict[str, tuple[str, float]]):
    def add_metric(self, name: str, unit: str, value: float) -> None:
        self[name] = (unit, value)


def test_the_report_function_publishes_the_period_s_coverage_in_percent() -> None:
    rows = coverage(TOUCHES, LINKED)
    gauges, logged = Gauges(), list[str]()
    publish(gauges, IdentityCoverage(rows, [], RECOUNTED), logged.append)
    assert logged == []
    assert gauges == {
        "IdentityCoverage": ("Percent", 40.0),
        "IdentityCoverageTouches": ("Percent", 50.0),
    }


# --- from the rollups and the tally ----------------------------------------------------------
PERIOD = Period(AS_OF, 30)
LAST_RUN = AS_OF - timedelta(minutes=20)
DAY = timedelta(days=1)


class Rollups:
    """The rollups of TOUCHES (domain.rollups.recompute), read per period as store.rollups."""

    def __init__(self, touches: list[Touch] = TOUCHES) -> None:
        self._touches = touches

    def period(
        self, days: list[str], dimension: Dimension, only: tuple[str, ...] | None = None
    ) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for (day, d, name), counters in recompute(self._touches).items():
            if d is dimension and day in days:
                into = out.setdefault(name, {})
                for counter, n in counters.items():
                    if only is None or counter in only:
                        into[counter] = into.get(counter, 0) + n
        return out


class Tally:
    """The tally's place and the day items of x#1's contact."""

    def __init__(self, place: Place) -> None:
        self._place = place

    def place(self) -> Place:
        return self._place

    def cover(self, days: list[date]) -> dict[str, Sums]:
        mine = contributed([t for t in TOUCHES if t.profile in LINKED], date.min, date.max)
        return {d.isoformat(): mine[d.isoformat()] for d in days if d.isoformat() in mine}


def test_the_tally_s_days_and_the_rollups_give_coverage_s_rows() -> None:
    place = Place(True, LAST_RUN, LAST_RUN.date(), cover=True)
    assert tallied(Tally(place), Rollups(), PERIOD, AS_OF) == coverage(TOUCHES, LINKED)
    # a last run the day before the period's last day still keeps it (its kept days run a day on)
    day_before = Place(True, LAST_RUN - DAY, (LAST_RUN - DAY).date(), cover=True)
    assert tallied(Tally(day_before), Rollups(), PERIOD, AS_OF) == coverage(TOUCHES, LINKED)
    assert over(Tally(place).cover([AS_OF.date() - timedelta(days=1)]).values())


def test_a_linked_touch_withdrawn_since_crm_sync_s_last_run_takes_no_share_over_100_percent() -> (
    None
):
    """x#1's 3-point touch on ana's post withdrawn after the last run: out of the rollups (now),
    still in the tally's day items (as of that run) until the next run. The part from contacts is
    capped at the row's total: ana 2 of 2 points (not 3 of 2), network x 3 of 3 (not 4 of 3)."""
    place = Place(True, LAST_RUN, LAST_RUN.date(), cover=True)
    now = Rollups([t for t in TOUCHES if t is not TOUCHES[0]])

    found = tallied(Tally(place), now, PERIOD, AS_OF)

    assert found is not None
    rows = {(r.network, r.seller): r for r in found}
    assert (rows[(EVERY, "ana")].points, rows[(EVERY, "ana")].linked_points) == (Decimal(2),) * 2
    assert (rows[("x", EVERY)].touches, rows[("x", EVERY)].linked_touches) == (2, 2)
    assert rows[(EVERY, EVERY)].linked_points == 4  # 1 + 3 of 7: under the total, as kept
    assert all(0 <= r.point_share <= 1 and 0 <= r.touch_share <= 1 for r in found)


@pytest.mark.parametrize(
    "place",
    [
        Place(False, None, None),  # never built: `socialscore rebuild`
        Place(True, LAST_RUN, LAST_RUN.date(), cover=False),  # built before it kept coverage
        Place(True, AS_OF + timedelta(minutes=5), AS_OF.date(), cover=True),  # a run after
        # its last run 70 days after the period's first: the first days are no longer kept
        Place(True, LAST_RUN, (AS_OF + timedelta(days=61)).date(), cover=True),
        # its last run two days before the period's last day (crm_sync stopped, or no CRM
        # chosen): the linked touches of the days since would count as anonymous
        Place(True, LAST_RUN - 2 * DAY, (LAST_RUN - 2 * DAY).date(), cover=True),
    ],
)
def test_the_report_recounts_from_the_ledger_when_the_tally_does_not_keep_the_period(
    place: Place,
) -> None:
    assert tallied(Tally(place), Rollups(), PERIOD, AS_OF) is None


# --- the anonymous profiles to identify next -------------------------------------------------
ITEMS = {"x#3": ProfileItem(Decimal(12), 4), "x#4": ProfileItem(Decimal(3), 1)}


class LaggingIndex:
    """The scores table a moment after x#2 was erased: its items gone, its `by_units` entry not
    yet (the index is eventually consistent); x#3's units grew since its entry was written."""

    def hot(self) -> list[tuple[str, str]]:
        return []

    def ranked(self, category: Category, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        return iter([("x#2", Decimal(9)), ("x#3", Decimal(5)), ("x#4", Decimal(3))])

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        return {(p, Category.ORGANIC): ITEMS[p] for p in profiles if p in ITEMS}


class Nobody:
    """No profile is linked."""

    def prefetch(self, identities: Iterable[str]) -> None:
        list(identities)

    def who(self, identity: str) -> str:
        return identity


def test_an_erased_profile_still_in_the_lagging_index_is_never_shown_to_identify() -> None:
    found = anonymous(LaggingIndex(), Nobody(), bundled(), AS_OF, 2)

    assert [(a.profile, a.touches) for a in found] == [("x#3", 4), ("x#4", 1)]
    # each score is its item's now, read consistently (12 units, not the index's 5)
    assert found[0].score == score_at(Decimal(12), AS_OF, bundled().half_life_seconds)
