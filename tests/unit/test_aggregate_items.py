"""Aggregate items, item for item: whatever the order, duplication and batching of acts and
retractions, the scores table holds the items one clean pass gives, each shard alike, with no
counter at 0 and no item that counts nothing; and two writers taking one count down never lose
an update. In memory: the memory score store (socialscore_local.memory.scores) applies an item
write as DynamoDB does (condition, ADD, REMOVE, delete), and the score stage's rules
(ledger_rules.plan, deltas, aggregates.settle) drive it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.aggregates import (
    COUNTER_SHARDS,
    AggregateKey,
    ItemWrite,
    PostCounter,
    ProfileTotal,
    SellerCounter,
    coalesce,
    counters_of,
    settle,
    shard_of,
)
from socialscore.domain.decay import EPOCH, STORED_DIGITS, units
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.ledger_rules import Key, LedgerEntry, deltas, entries, plan
from socialscore.domain.messages import Seller
from socialscore.domain.rollups import Dimension, RollupKey
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.store.ledger import MAX_ACTIONS
from socialscore.store.ledger_groups import cut
from socialscore.store.ledger_writes import settled
from socialscore_local.memory.scores import ConditionFailed, MemoryScoreStore
from tests.unit.test_scoring import DAY, HALF_LIFE, deliveries, touch, unique

ANA = Seller(seller_id="s-ana", team="emea")


@dataclass
class Store:
    """The score stage's ledger and aggregates, in memory, as store.ledger.Ledger writes them:
    the changes planned against the ledger and cut into groups of 100 writes, the items each
    group takes a count down on read first and each aggregate's write settled from them
    (store.ledger_writes.settled); a write refused all the same (the item moved) is settled
    again from the item the refusal returned."""

    ledger: dict[Key, LedgerEntry] = field(default_factory=dict)
    table: MemoryScoreStore = field(default_factory=MemoryScoreStore)

    def record(self, events: list[Touch | Withdrawal]) -> None:
        for group in cut(plan(entries(events), self.ledger), MAX_ACTIONS):
            self.ledger |= {c.key: c.new for c in group}
            agg = deltas(group)
            for key, delta in agg.counters.items():
                team = agg.teams.get(key) if isinstance(key, SellerCounter) else None
                if (w := settled(key, delta, self.table.held(key))) is None:
                    continue
                try:
                    self.table.write(key, w, team)
                except ConditionFailed as refused:
                    again = settle(key, delta, refused.item)
                    if again is not None:
                        self.table.write(key, again, team)


def clean_pass(events: list[Touch | Withdrawal]) -> dict[AggregateKey, dict[str, Any]]:
    """The items of the counted touches written in one go."""
    table = MemoryScoreStore()
    agg = coalesce(unique(events), [])
    for key, delta in agg.counters.items():
        w = settle(key, delta)
        if w is not None:
            table.write(key, w, agg.teams.get(key) if isinstance(key, SellerCounter) else None)
    return table.items


@settings(max_examples=200, deadline=None)
@given(deliveries())
def test_any_order_duplication_and_batching_leave_the_items_of_one_clean_pass(
    delivery: tuple[list[Touch | Withdrawal], list[list[Touch | Withdrawal]]],
) -> None:
    events, batches = delivery
    store = Store()
    for batch in batches:
        store.record(batch)
    assert store.table.items == clean_pass(events)
    for key, item in store.table.items.items():  # no count at 0, no item that counts nothing
        counts = {n: v for n, v in item.items() if counters_of(key).get(n, "-") is None}
        assert counts, item
        assert 0 not in counts.values(), item


def test_an_organic_like_replaced_by_its_paid_report_leaves_no_organic_item_in_either_order() -> (
    None
):
    organic = touch(Kind.LIKE, iid="o", seller=ANA, at=EPOCH)
    paid = touch(Kind.LIKE, iid="p", seller=ANA, category=Category.PAID, at=EPOCH)
    orders = [[[organic], [paid]], [[paid], [organic]], [[organic, paid]]]
    stores = []
    for order in orders:
        store = Store()
        for batch in order:
            store.record(list(batch))
        stores.append(store.table.items)
    assert stores[0] == stores[1] == stores[2] == clean_pass([organic, paid])
    shard = shard_of(paid)
    expected: dict[AggregateKey, dict[str, Any]] = {
        ProfileTotal("x#actor1", Category.PAID): {"units": paid.units, "touches": 1},
        PostCounter("x#100", shard): {"paid_like": 1},  # no organic_like at 0
        SellerCounter("s-ana", shard): {
            "paid_points": Decimal("0.5"),
            "paid_touches": 1,
            "team": "emea",
        },
        # The day's rollups (domain.rollups): the paid like alone, on the same shard.
        **{
            RollupKey("2026-01-01", dimension, name, shard): {
                "paid_touches": 1,
                "paid_points": Decimal("0.5"),
                "paid_like": 1,
            }
            for dimension, name in [
                (Dimension.NETWORK, "x"),
                (Dimension.POST, "x#100"),
                (Dimension.SELLER, "s-ana"),  # a team's day is its sellers'
            ]
        },
    }
    assert stores[0] == expected


def test_a_like_taken_back_leaves_nothing_behind() -> None:
    like = touch(Kind.LIKE, seller=ANA, at=EPOCH)
    unlike = Withdrawal(like.profile, like.dedupe_key, EPOCH + DAY)
    store = Store()
    store.record([like])
    # profile, post shard, seller shard, and the day's rollups of network, post, seller
    assert len(store.table.items) == 6
    store.record([unlike])
    assert store.table.items == {}


def test_taking_one_touch_of_two_back_keeps_the_other_and_its_sums_exactly() -> None:
    a = touch(Kind.COMMENT, iid="a", seller=ANA, at=EPOCH + 3 * DAY)
    b = touch(Kind.COMMENT, iid="b", seller=ANA, at=EPOCH + 5 * DAY)
    store = Store()
    store.record([a, b])
    store.record([Withdrawal(a.profile, a.dedupe_key, EPOCH + 9 * DAY)])
    assert store.table.items == clean_pass([b])
    assert store.table.items[ProfileTotal("x#actor1", Category.ORGANIC)] == {
        "units": b.units,
        "touches": 1,
        "seller#s-ana": 1,  # the organic touches Ana's posts earned it: routing's tally
    }


def test_a_touch_of_weight_zero_still_gives_its_profile_units() -> None:
    # A reader takes a profile's score from `units`: an item with touches always has them.
    weightless = replace(touch(Kind.FOLLOW, post_id=None), weight=0.0, units=Decimal(0))
    w = settle(
        ProfileTotal("x#actor1", Category.ORGANIC), {"units": Decimal(0), "touches": Decimal(1)}
    )
    assert w == ItemWrite(add={"units": Decimal(0), "touches": Decimal(1)})
    assert clean_pass([weightless]) == {
        ProfileTotal("x#actor1", Category.ORGANIC): {"units": 0, "touches": 1},
        RollupKey("2026-01-01", Dimension.NETWORK, "x", shard_of(weightless)): {
            "organic_touches": 1,
            "organic_points": 0,
            "organic_follow": 1,
        },
    }


def test_an_item_whose_touches_reach_zero_goes_whatever_rounding_left_in_its_units() -> None:
    key = ProfileTotal("x#actor1", Category.ORGANIC)
    held = {"pk": "...", "units": Decimal("3.00000000000000000001"), "touches": Decimal(1)}
    w = settle(key, {"units": Decimal(-3), "touches": Decimal(-1)}, held)
    assert w == ItemWrite(delete=True, expect={"touches": Decimal(1)})


def test_a_post_shard_keeps_its_other_counters_and_loses_the_one_at_zero() -> None:
    key = PostCounter("x#100", 3)
    held = {"organic_like": Decimal(1), "organic_share": Decimal(2)}
    w = settle(key, {"organic_like": Decimal(-1), "paid_like": Decimal(1)}, held)
    assert w == ItemWrite(
        add={"paid_like": Decimal(1)},
        remove=frozenset({"organic_like"}),
        expect={"organic_like": Decimal(1)},
    )


def test_an_empty_item_is_deleted_only_while_every_count_is_as_read() -> None:
    key = SellerCounter("s-ana", 0)
    held = {"organic_points": Decimal(1), "organic_touches": Decimal(1), "team": "emea"}
    w = settle(key, {"organic_points": Decimal(-1), "organic_touches": Decimal(-1)}, held)
    assert w == ItemWrite(
        delete=True,
        expect={
            "organic_touches": Decimal(1),
            "paid_touches": None,  # a paid touch added since the read keeps the item
        },
    )


def test_two_writers_taking_one_count_down_cannot_both_use_the_same_read() -> None:
    # Two likes on one shard; two unlikes scored at once, each reading 2 likes.
    key = PostCounter("x#100", 5)
    table = MemoryScoreStore({key: {"organic_like": Decimal(2)}})
    down = {"organic_like": Decimal(-1)}
    first = settle(key, down, table.held(key))
    second = settle(key, down, table.held(key))
    assert first is not None
    assert second is not None
    table.write(key, first)
    with pytest.raises(ConditionFailed) as refused:
        table.write(key, second)  # a plain ADD here would leave organic_like at 0
    again = settle(key, down, refused.value.item)  # planned again from what was checked
    assert again is not None
    table.write(key, again)
    assert table.items == {}


def test_an_add_that_lands_between_the_read_and_the_removal_is_not_lost() -> None:
    key = PostCounter("x#100", 5)
    table = MemoryScoreStore({key: {"organic_like": Decimal(1)}})
    removal = settle(key, {"organic_like": Decimal(-1)}, table.held(key))
    assert removal is not None
    assert removal.delete
    assert removal.expect["organic_like"] == 1
    table.write(key, ItemWrite(add={"organic_like": Decimal(1)}))  # another batch's like
    with pytest.raises(ConditionFailed):
        table.write(key, removal)
    assert table.items == {key: {"organic_like": Decimal(2)}}


def test_a_count_taken_down_without_a_read_is_written_only_while_it_stays_over_zero() -> None:
    key = PostCounter("x#100", 1)
    w = settle(key, {"organic_like": Decimal(-1), "organic_share": Decimal(1)})
    assert w == ItemWrite(
        add={"organic_like": Decimal(-1), "organic_share": Decimal(1)},
        above={"organic_like": Decimal(1)},
    )
    table = MemoryScoreStore({key: {"organic_like": Decimal(2)}})
    table.write(key, w)  # 2 likes: one stays, no read was needed
    assert table.items == {key: {"organic_like": Decimal(1), "organic_share": Decimal(1)}}
    with pytest.raises(ConditionFailed) as refused:
        table.write(key, w)  # the last like: it would reach 0, refused with the item
    assert refused.value.item == {"organic_like": Decimal(1), "organic_share": Decimal(1)}


def test_a_touch_and_its_withdrawal_move_the_same_shard_whatever_came_with_them() -> None:
    like = touch(Kind.LIKE, seller=ANA)
    others = [touch(Kind.COMMENT, iid=f"c{n}", actor=f"a{n}", seller=ANA) for n in range(20)]
    alone = {k for k in coalesce([like], []).counters if not isinstance(k, ProfileTotal)}
    crowd = coalesce(others, [like]).counters
    assert alone <= crowd.keys()
    assert {crowd[k].get("organic_like") for k in alone if isinstance(k, PostCounter)} == {-1}
    spread = {shard_of(t) for t in others}
    assert 1 < len(spread) <= COUNTER_SHARDS  # a hot post's touches spread over its shards


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.5, 1, 2, 3, 5, 9, 14]), st.integers(-180, 5 * 365)),
        min_size=1,
        max_size=30,
    )
)
def test_units_added_and_taken_back_return_exactly_to_zero_within_the_epochs_range(
    touches: list[tuple[float, int]],
) -> None:
    # DynamoDB adds in 38 digits; a touch's units carry 15. With the bundled weights and the
    # touches within the range the README states (about 76 half-lives of 30 days; here six
    # months before T0 to five years after), every partial sum is exact.
    amounts = [units(w, EPOCH + timedelta(days=d), HALF_LIFE) for w, d in touches]
    with localcontext(STORED_DIGITS):
        total = Decimal(0)
        for a in amounts:
            total += a
        for a in reversed(amounts):
            total -= a
    assert total == 0
