"""Attribution: the rule-based models and their edge cases, exact splits in the currency's minor
unit, the lookback window, influence by seller, post and network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain import money
from socialscore.domain.attribution import (
    MODELS,
    AttributionContext,
    identification_index,
    in_window,
    influence,
    linear,
    split,
    split_all,
)
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.scoring_model import Attribution, ModelName, PositionShares, WShares
from socialscore.domain.touch import Touch

ANCHOR = datetime(2026, 6, 1, tzinfo=UTC)
CENT = Decimal("0.01")


def touch(
    n: int = 0,
    *,
    at: datetime = ANCHOR - timedelta(days=1),
    category: Category = Category.ORGANIC,
    seller: str | None = "s-1",
    post: str | None = "x#100",
    network: Network = Network.X,
    profile: str = "x#42",
) -> Touch:
    return Touch(
        profile=profile,
        dedupe_key=f"i#{n}",
        interaction_id=str(n),
        network=network,
        kind=Kind.SHARE,
        category=category,
        weight=5.0,
        units=Decimal(5),
        occurred_at=at,
        post=post,
        own_post=None,
        seller_id=seller,
        team=None if seller is None else "emea",
        intent_hits=(),
        model_version="test",
    )


def touches(count: int) -> list[Touch]:
    return [touch(n, at=ANCHOR - timedelta(hours=n + 1)) for n in range(count)]


def context(
    identified_at: datetime | None = None, config: Attribution | None = None
) -> AttributionContext:
    return AttributionContext(
        opportunity_created_at=ANCHOR, config=config or Attribution(), identified_at=identified_at
    )


CTX = context()


@pytest.mark.parametrize(
    ("amount", "count", "expected"),
    [
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("0.01", 2, ["0.01", "0.00"]),
        ("0.02", 3, ["0.01", "0.01", "0.00"]),
        ("10.00", 4, ["2.50", "2.50", "2.50", "2.50"]),
        ("1000000.01", 7, ["142857.15"] * 3 + ["142857.14"] * 4),
        ("0.00", 3, ["0.00", "0.00", "0.00"]),
    ],
)
def test_split_adds_up_to_the_amount_exactly(amount: str, count: int, expected: list[str]) -> None:
    shares = split(Decimal(amount), "USD", touches(count), linear, CTX)
    assert sum(shares, Decimal(0)) == Decimal(amount)
    assert sorted(shares, reverse=True) == [Decimal(e) for e in expected]


def test_split_of_no_touches_is_empty() -> None:
    assert split(Decimal("100.00"), "USD", [], linear, CTX) == []


def test_every_attribution_model_a_scoring_model_may_name_is_implemented() -> None:
    # crm_sync looks the configured names up in MODELS: a name the scoring model accepts but
    # MODELS lacks would fail every sync once deployed.
    assert set(MODELS) == set(get_args(ModelName))


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False),
    count=st.integers(min_value=1, max_value=60),
)
def test_split_is_exact_in_cents_and_fair_for_any_amount_and_count(
    amount: Decimal, count: int
) -> None:
    shares = split(amount, "USD", touches(count), linear, CTX)
    assert len(shares) == count
    assert sum(shares, Decimal(0)) == amount
    for share in shares:
        assert share >= 0
        assert share == share.quantize(CENT)
        assert abs(share - amount / count) < CENT
    assert max(shares) - min(shares) <= CENT


def test_in_window_keeps_organic_touches_inside_the_lookback_before_the_anchor() -> None:
    inside_old = touch(1, at=ANCHOR - timedelta(days=89))
    inside_new = touch(2, at=ANCHOR - timedelta(hours=1))
    too_old = touch(3, at=ANCHOR - timedelta(days=91))
    after = touch(4, at=ANCHOR + timedelta(hours=1))
    paid = touch(5, at=ANCHOR - timedelta(days=2), category=Category.PAID)
    window = in_window([inside_new, too_old, paid, after, inside_old], ANCHOR, 90)
    assert window == [inside_old, inside_new]  # oldest first


def test_in_window_honours_the_lookback_length() -> None:
    t = touch(1, at=ANCHOR - timedelta(days=10))
    assert in_window([t], ANCHOR, 30) == [t]
    assert in_window([t], ANCHOR, 7) == []


def test_in_window_with_only_paid_touches_is_empty() -> None:
    paid = [touch(n, category=Category.PAID) for n in range(3)]
    assert in_window(paid, ANCHOR, 90) == []


def test_influence_groups_by_seller_post_and_network() -> None:
    ts = [
        touch(1, seller="s-1", post="x#100", network=Network.X),
        touch(2, seller="s-1", post="x#101", network=Network.X),
        touch(3, seller="s-2", post="linkedin#7", network=Network.LINKEDIN),
        touch(4, seller=None, post="x#100", network=Network.X),
    ]
    shares = [Decimal("10.00"), Decimal("20.00"), Decimal("30.00"), Decimal("40.00")]
    got = influence(ts, shares)
    assert got["by_seller"] == {
        "s-1": Decimal("30.00"),
        "s-2": Decimal("30.00"),
        "unattributed": Decimal("40.00"),
    }
    assert got["by_post"] == {
        "linkedin#7": Decimal("30.00"),
        "x#100": Decimal("50.00"),
        "x#101": Decimal("20.00"),
    }
    assert got["by_network"] == {"linkedin": Decimal("30.00"), "x": Decimal("70.00")}


def test_touches_without_a_seller_are_unattributed() -> None:
    ts = [touch(1, seller=None), touch(2, seller=None)]
    got = influence(ts, split(Decimal("100.00"), "USD", ts, linear, CTX))
    assert got["by_seller"] == {"unattributed": Decimal("100.00")}


@settings(max_examples=100, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
    sellers=st.lists(st.sampled_from(["s-1", "s-2", None]), min_size=1, max_size=20),
)
def test_every_grouping_of_influence_adds_up_to_the_amount(
    amount: Decimal, sellers: list[str | None]
) -> None:
    ts = [touch(n, seller=s, post=f"x#{n % 3}") for n, s in enumerate(sellers)]
    got = influence(ts, split(amount, "USD", ts, linear, CTX))
    for grouping in ("by_seller", "by_post", "by_network"):
        assert sum(got[grouping].values(), Decimal(0)) == amount


# --- The rule-based models -------------------------------------------------------------------

DAY = timedelta(days=1)
ALL: list[ModelName] = list(get_args(ModelName))


def days_before(*days: float) -> list[Touch]:
    """Touches the given days before the opportunity's creation, in the order given."""
    return [touch(n, at=ANCHOR - timedelta(days=d)) for n, d in enumerate(days)]


def cents(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


def shares_of(
    name: ModelName,
    ts: list[Touch],
    amount: str = "100.00",
    identified_at: datetime | None = None,
    config: Attribution | None = None,
) -> list[Decimal]:
    return split(Decimal(amount), "USD", ts, MODELS[name], context(identified_at, config))


FOUR = days_before(30, 20, 10, 0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("first_touch", cents("100.00", "0.00", "0.00", "0.00")),
        ("last_touch", cents("0.00", "0.00", "0.00", "100.00")),
        ("linear", cents("25.00", "25.00", "25.00", "25.00")),
        ("position_based", cents("40.00", "10.00", "10.00", "40.00")),
        # No identification time: W-shaped is U-shaped.
        ("w_shaped", cents("40.00", "10.00", "10.00", "40.00")),
    ],
)
def test_each_model_weighs_four_touches_as_its_rule_says(
    name: ModelName, expected: list[Decimal]
) -> None:
    assert shares_of(name, FOUR) == expected


def test_time_decay_halves_a_touch_per_half_life_before_the_opportunity() -> None:
    # Weights 1/4, 1/2, 1 (14, 7, 0 days before, half-life 7) of 1.75: 14.2857, 28.5714,
    # 57.1428 → floors add to 99.99; the largest remainder (.0057) takes the last cent.
    assert shares_of("time_decay", days_before(14, 7, 0)) == cents("14.29", "28.57", "57.14")


def test_time_decay_half_life_is_configurable() -> None:
    # Half-life 14: 14 days before weighs 1/2 against 1 at creation.
    config = Attribution(time_decay_half_life_days=14)
    assert shares_of("time_decay", days_before(14, 0), config=config) == cents("33.33", "66.67")


def test_position_based_spreads_the_middle_share_to_the_cent_older_first() -> None:
    # 20.00 over three middle touches: 6.67, 6.67, 6.66 (equal remainders: older first).
    got = shares_of("position_based", days_before(40, 30, 20, 10, 0))
    assert got == cents("40.00", "6.67", "6.67", "6.66", "40.00")


def test_position_based_shares_are_configurable() -> None:
    config = Attribution(position_based=PositionShares(first=0.5, last=0.3))
    assert shares_of("position_based", days_before(2, 1, 0), config=config) == cents(
        "50.00", "20.00", "30.00"
    )


def test_position_based_with_two_touches_splits_in_the_ratio_of_first_to_last() -> None:
    assert shares_of("position_based", days_before(1, 0)) == cents("50.00", "50.00")
    config = Attribution(position_based=PositionShares(first=0.6, last=0.2))
    assert shares_of("position_based", days_before(1, 0), config=config) == cents("75.00", "25.00")


def test_w_shaped_credits_first_identification_and_last_touch() -> None:
    # Identified between the 2nd and 3rd touch: the 3rd (first at or after) is the milestone.
    got = shares_of("w_shaped", days_before(40, 30, 20, 10, 0), identified_at=ANCHOR - 25 * DAY)
    assert got == cents("30.00", "5.00", "30.00", "5.00", "30.00")


def test_w_shaped_identification_exactly_at_a_touch_is_that_touch() -> None:
    ts = days_before(40, 30, 20, 0)
    assert identification_index(ts, ANCHOR - 30 * DAY) == 1
    config = Attribution(w_shaped=WShares(first=0.2, identified=0.5, last=0.2))
    got = shares_of("w_shaped", ts, identified_at=ANCHOR - 30 * DAY, config=config)
    assert got == cents("20.00", "50.00", "10.00", "20.00")


def test_w_shaped_with_three_touches_splits_in_the_ratio_of_its_milestones() -> None:
    got = shares_of("w_shaped", days_before(2, 1, 0), identified_at=ANCHOR - DAY)
    assert got == cents("33.34", "33.33", "33.33")


@pytest.mark.parametrize(
    "identified_at",
    [
        None,  # unknown
        ANCHOR - 90 * DAY,  # before the first touch: the first touch is the identification
        ANCHOR - 40 * DAY,  # exactly at the first touch
        ANCHOR - 5 * DAY,  # between the last two: the last touch is the identification
        ANCHOR + DAY,  # after every touch
    ],
)
def test_w_shaped_without_a_distinct_identification_touch_is_u_shaped(
    identified_at: datetime | None,
) -> None:
    ts = days_before(40, 30, 20, 10, 0)
    assert shares_of("w_shaped", ts, identified_at=identified_at) == shares_of("position_based", ts)


def test_shares_configured_to_zero_with_no_one_to_spread_to_split_evenly() -> None:
    config = Attribution(
        position_based=PositionShares(first=0, last=0),
        w_shaped=WShares(first=0, identified=0, last=0),
    )
    assert shares_of("position_based", days_before(1, 0), config=config) == cents("50.00", "50.00")
    got = shares_of("w_shaped", days_before(2, 1, 0), identified_at=ANCHOR - DAY, config=config)
    assert got == cents("33.34", "33.33", "33.33")


# --- Edge cases, for every model --------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_no_touch_splits_nothing(name: ModelName) -> None:
    assert shares_of(name, []) == []


@pytest.mark.parametrize("name", ALL)
def test_one_touch_gets_everything(name: ModelName) -> None:
    assert shares_of(name, days_before(3), amount="99.99") == cents("99.99")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("first_touch", cents("100.00", "0.00")),
        ("last_touch", cents("0.00", "100.00")),
        ("linear", cents("50.00", "50.00")),
        ("time_decay", cents("33.33", "66.67")),  # 7 days apart: 1/2 against 1
        ("position_based", cents("50.00", "50.00")),
        ("w_shaped", cents("50.00", "50.00")),  # identification at the last touch: U-shaped
    ],
)
def test_two_touches(name: ModelName, expected: list[Decimal]) -> None:
    assert shares_of(name, days_before(7, 0), identified_at=ANCHOR - DAY) == expected


@pytest.mark.parametrize("name", ALL)
def test_touches_at_the_same_instant_are_ordered_by_in_window_whatever_the_input_order(
    name: ModelName,
) -> None:
    at = ANCHOR - 2 * DAY
    same = [touch(n, at=at, profile=f"x#{p}") for n, p in enumerate([3, 1, 2, 1])]
    earlier = touch(9, at=ANCHOR - 3 * DAY)
    results = set()
    for order in (same, same[::-1], [same[2], same[0], same[3], same[1]]):
        window = in_window([*order, earlier], ANCHOR, 90)
        assert window[0] is earlier
        assert [(t.profile, t.dedupe_key) for t in window[1:]] == sorted(
            (t.profile, t.dedupe_key) for t in same
        )
        got = shares_of(name, window, identified_at=at)
        results.add(tuple((t.dedupe_key, s) for t, s in zip(window, got, strict=True)))
    assert len(results) == 1


@pytest.mark.parametrize("name", ALL)
def test_a_touch_after_the_opportunity_was_created_is_outside(name: ModelName) -> None:
    before = touch(1, at=ANCHOR - DAY)
    after = touch(2, at=ANCHOR + timedelta(seconds=1))
    window = in_window([before, after], ANCHOR, 90)
    assert window == [before]
    assert shares_of(name, window) == cents("100.00")


@pytest.mark.parametrize("name", ALL)
def test_touches_exactly_at_the_lookback_start_and_at_creation_are_inside(
    name: ModelName,
) -> None:
    at_start = touch(1, at=ANCHOR - 90 * DAY)
    just_before_start = touch(2, at=ANCHOR - 90 * DAY - timedelta(microseconds=1))
    at_creation = touch(3, at=ANCHOR)
    window = in_window([at_creation, just_before_start, at_start], ANCHOR, 90)
    assert window == [at_start, at_creation]
    shares = shares_of(name, window)
    assert sum(shares, Decimal(0)) == Decimal("100.00")


def test_split_all_computes_every_configured_model_in_its_order() -> None:
    config = Attribution(models=["w_shaped", "first_touch"], primary="first_touch")
    got = split_all(Decimal("10.00"), "USD", days_before(2, 1, 0), context(config=config))
    assert list(got) == ["w_shaped", "first_touch"]
    assert got["first_touch"] == cents("10.00", "0.00", "0.00")


@st.composite
def shares_config(draw: st.DrawFn) -> Attribution:
    """Any valid configuration: shares in per mille (exact), adding up to at most 1."""

    def parts(count: int) -> list[float]:
        left, out = 1000, []
        for _ in range(count):
            part = draw(st.integers(min_value=0, max_value=left))
            left -= part
            out.append(part / 1000)
        return out

    pf, pl = parts(2)
    wf, wi, wl = parts(3)
    return Attribution(
        time_decay_half_life_days=draw(st.floats(min_value=0.1, max_value=3650)),
        position_based=PositionShares(first=pf, last=pl),
        w_shaped=WShares(first=wf, identified=wi, last=wl),
    )


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(ALL),
    amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    # Seconds before creation, over and beyond the 90-day lookback; repeats make equal instants.
    offsets=st.lists(st.integers(min_value=-86400, max_value=100 * 86400), max_size=30),
    identified=st.none() | st.integers(min_value=-86400, max_value=100 * 86400),
    config=shares_config(),
)
def test_every_model_splits_any_amount_to_the_cent_exactly(
    name: ModelName,
    amount: Decimal,
    offsets: list[int],
    identified: int | None,
    config: Attribution,
) -> None:
    ts = [touch(n, at=ANCHOR - timedelta(seconds=s)) for n, s in enumerate(offsets)]
    window = in_window(ts, ANCHOR, 90)
    identified_at = None if identified is None else ANCHOR - timedelta(seconds=identified)
    shares = split(amount, "USD", window, MODELS[name], context(identified_at, config))
    assert len(shares) == len(window)
    if window:
        assert sum(shares, Decimal(0)) == amount
    for share in shares:
        assert share >= 0
        assert share == share.quantize(CENT)


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(ALL),
    currency=st.sampled_from(["JPY", "KWD", "CLF", "EUR"]),
    units=st.integers(min_value=0, max_value=10**11),
    count=st.integers(min_value=1, max_value=25),
)
def test_every_model_splits_in_the_currencys_minor_unit(
    name: ModelName, currency: str, units: int, count: int
) -> None:
    # A yen deal is never split into fractions of a yen; a dinar deal keeps its fils.
    unit = money.quantum(currency)
    amount = units * unit
    window = in_window(
        [touch(n, at=ANCHOR - timedelta(days=n + 1)) for n in range(count)], ANCHOR, 90
    )
    shares = split(amount, currency, window, MODELS[name], context(ANCHOR - timedelta(days=3)))
    assert sum(shares, Decimal(0)) == amount
    assert all(share == share.quantize(unit) for share in shares)
