"""Rollups and the routing tally, in memory: whatever the order, duplication and batching of acts
and retractions, the day rollups the score stage's writes leave (shards summed) are those
recomputed from the ledger's counted touches (domain.rollups.recompute, the oracle), and the
owner the router reads off the profile items' tally is the one the ledger's touches name."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.aggregates import ProfileTotal
from socialscore.domain.decay import EPOCH
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.owners import owner_of
from socialscore.domain.rollups import Dimension, RollupKey, days_between, recompute, summed
from socialscore.domain.standing import ProfileItem
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.pipeline.routing import Router
from socialscore.report import tally
from socialscore.store.scores import profile_item
from socialscore_local.memory.rollups import MemoryRollups
from tests.unit.test_aggregate_items import ANA, Store
from tests.unit.test_scoring import deliveries, touch, unique

Delivery = tuple[list[Touch | Withdrawal], list[list[Touch | Withdrawal]]]


def maintained(store: Store) -> dict[tuple[str, Dimension, str], dict[str, Decimal]]:
    return summed((k, v) for k, v in store.table.items.items() if isinstance(k, RollupKey))


def counted(store: Store) -> list[Touch]:
    return [t for e in store.ledger.values() if (t := e.counted) is not None]


def squeezed(delivery: Delivery) -> Delivery:
    """The same delivery with its moments brought within a few days of each other (the order of
    acts and withdrawals kept): many touches share a day's rollup items."""

    def moment(e: Touch | Withdrawal) -> Touch | Withdrawal:
        if isinstance(e, Touch):
            return replace(e, occurred_at=EPOCH + (e.occurred_at - EPOCH) / 130)
        return replace(e, at=EPOCH + (e.at - EPOCH) / 130)

    events, batches = delivery
    return [moment(e) for e in events], [[moment(e) for e in b] for b in batches]


def check(delivery: Delivery) -> None:
    events, batches = delivery
    store = Store()
    for batch in batches:
        store.record(batch)
    assert maintained(store) == recompute(counted(store)) == recompute(unique(events))


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_rollups_maintained_are_the_rollups_recomputed_from_the_ledger(delivery: Delivery) -> None:
    check(delivery)
    check(squeezed(delivery))


def test_a_touch_replaced_then_withdrawn_moves_its_day_out() -> None:
    like = touch(Kind.LIKE, iid="a", seller=ANA, at=EPOCH + timedelta(hours=1))
    paid = replace(like, interaction_id="b", category=Category.PAID)  # a later report, paid
    later = replace(paid, occurred_at=EPOCH + timedelta(days=2))  # and the act moved a day on
    store = Store()
    store.record([like])
    day = ("2026-01-01", Dimension.SELLER, "s-ana")
    assert maintained(store)[day] == {
        "organic_touches": 1,
        "organic_points": 1,
        "organic_like": 1,
    }
    store.record([later])
    assert day not in maintained(store)  # moved out of its first day, into its new one
    assert maintained(store)[("2026-01-03", Dimension.SELLER, "s-ana")]["paid_like"] == 1
    store.record([Withdrawal(like.profile, like.dedupe_key, EPOCH + timedelta(days=3))])
    assert maintained(store) == {}


class Ledger:
    def __init__(self, touches: list[Touch]) -> None:
        self.touches = touches
        self.asked: list[str] = []

    def touches_of(self, profile: str) -> list[Touch]:
        self.asked.append(profile)
        return [t for t in self.touches if t.profile == profile]


class Items:
    def __init__(self, store: Store) -> None:
        self.store = store

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        return {
            (p, c): profile_item(item)
            for p in profiles
            for c in Category
            if (item := self.store.table.items.get(ProfileTotal(p, c))) is not None
        }


class NoOwners:
    def owners_of(self, identities: list[str]) -> dict[str, str]:
        return {}


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_the_tally_routes_as_the_ledger_s_touches_do(delivery: Delivery) -> None:
    _, batches = delivery
    store = Store()
    for batch in batches:
        store.record(batch)
    touches = counted(store)
    ledger = Ledger(touches)
    profiles = sorted({t.profile for t in touches} | {"x#nobody"})
    owners = Router(NoOwners(), Items(store), ledger, "q").owners(profiles)
    assert owners == {p: owner_of(None, ledger.touches_of(p), "q") for p in profiles}


@settings(max_examples=100, deadline=None)
@given(deliveries(), st.integers(0, 400), st.integers(1, 60))
def test_the_posts_with_reactions_counted_from_their_reactions_alone_are_the_posts_rows(
    delivery: Delivery, offset: int, length: int
) -> None:
    """The report's "posts with reactions" of the period before reads the reaction counters
    alone (tally.REACTIONS): as many as the rows posts() would show over any days."""
    events, _ = delivery
    rollups = MemoryRollups(lambda: unique(events))
    first = min(t.occurred_at for t in events if isinstance(t, Touch))
    start = first.date() + timedelta(days=offset - 30)
    days = days_between(start, start + timedelta(days=length - 1))
    rows = tally.post_rows(rollups.period(days, Dimension.POST), {}, {}, {})
    only = rollups.period(days, Dimension.POST, tally.REACTIONS)
    assert tally.with_reactions(only) == len(rows)
    assert all(set(c) <= set(tally.REACTIONS) for c in only.values())


@settings(max_examples=100, deadline=None)
@given(deliveries())
def test_a_day_with_any_rollup_item_has_a_network_one(delivery: Delivery) -> None:
    """The rollup fold reads a day's sellers and posts only when it holds a network rollup item
    (store.rollup_fold): every counted touch is rolled up under its network, so whatever was
    delivered, in whatever order, no day holds a seller's or a post's item without one."""
    store = Store()
    for batch in squeezed(delivery)[1]:
        store.record(batch)
    held = [k for k in store.table.items if isinstance(k, RollupKey)]
    assert {k.day for k in held} == {k.day for k in held if k.dimension is Dimension.NETWORK}
