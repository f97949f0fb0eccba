"""Attribution: exact cent splits, the lookback window, influence by seller, post and network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.attribution import MODELS, in_window, influence, linear, split
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.scoring_model import Attribution
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
) -> Touch:
    return Touch(
        profile="x#42",
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
    shares = split(Decimal(amount), touches(count), linear)
    assert sum(shares, Decimal(0)) == Decimal(amount)
    assert sorted(shares, reverse=True) == [Decimal(e) for e in expected]


def test_split_of_no_touches_is_empty() -> None:
    assert split(Decimal("100.00"), [], linear) == []


def test_every_attribution_model_a_scoring_model_may_name_splits_an_amount() -> None:
    # crm_sync looks the configured name up in MODELS: a name the scoring model accepts but
    # MODELS lacks would fail every sync once deployed.
    names = get_args(Attribution.model_fields["model"].annotation)
    assert names
    for name in names:
        configured = Attribution.model_validate({"model": name}).model
        shares = split(Decimal("100.00"), touches(3), MODELS[configured])
        assert sum(shares, Decimal(0)) == Decimal("100.00"), name


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False),
    count=st.integers(min_value=1, max_value=60),
)
def test_split_is_exact_in_cents_and_fair_for_any_amount_and_count(
    amount: Decimal, count: int
) -> None:
    shares = split(amount, touches(count), linear)
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
    got = influence(ts, split(Decimal("100.00"), ts, linear))
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
    got = influence(ts, split(amount, ts, linear))
    for grouping in ("by_seller", "by_post", "by_network"):
        assert sum(got[grouping].values(), Decimal(0)) == amount
