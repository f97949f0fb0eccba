"""The fold's plan in memory (domain.rollup_fold): after any day's shards, with or without sums a
stopped run left pending, a run leaves every name's sums as they were, on one item; each delete
expects exactly what was read; the transactions stay within DynamoDB's 100 actions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from socialscore.domain import rollup_fold
from socialscore.domain.aggregates import COUNTER_SHARDS
from socialscore.domain.rollup_fold import MAX_ACTIONS, Counters, Shards, days_to_fold, plan, summed
from socialscore.domain.rollups import ROLLUP_COUNTERS


def folded(
    shards: Mapping[str, Shards], pending: Mapping[str, tuple[int, Counters]]
) -> tuple[dict[str, dict[int, dict[str, Decimal]]], dict[str, tuple[int, dict[str, Decimal]]]]:
    """A day of one dimension after a run in memory, as store.rollup_fold applies the plan:
    pending sums finished first (step 2), then the plan's step 1, then its step 2. Returns the
    shards and what is left pending (nothing)."""
    out = {name: {s: dict(c) for s, c in held.items()} for name, held in shards.items()}
    for name, (target, sums) in pending.items():
        out.setdefault(name, {})[target] = summed([out.get(name, {}).get(target, {}), sums])
    for move in plan(out):
        for shard, _ in move.deletes:
            del out[move.name][shard]
        out[move.name][move.target] = summed([out[move.name][move.target], move.moved])
    return out, {}


COUNTS = [n for n, follows in ROLLUP_COUNTERS.items() if follows is None]
SUMS = [n for n, follows in ROLLUP_COUNTERS.items() if follows is not None]
points = st.decimals(min_value=0, max_value=10**6, places=14, allow_nan=False)
shard_counters = st.fixed_dictionaries(
    {},
    optional={
        **{n: st.integers(1, 50).map(Decimal) for n in COUNTS},
        **{n: points for n in SUMS},
    },
).filter(bool)
names = st.sampled_from(["x#100", "x#200", "linkedin#7", "s-ana", "x"])
days = st.dictionaries(
    names, st.dictionaries(st.integers(0, COUNTER_SHARDS - 1), shard_counters, min_size=1)
)
pendings = st.dictionaries(names, st.tuples(st.integers(0, COUNTER_SHARDS - 1), shard_counters))


def sums(
    shards: Mapping[str, Shards], pending: Mapping[str, tuple[int, Mapping[str, Decimal]]]
) -> dict[str, dict[str, Decimal]]:
    """Each name's counters summed over its shards and what is pending for it."""
    every = {name: [*held.values()] for name, held in shards.items()}
    for name, (_, held) in pending.items():
        every.setdefault(name, []).append(held)
    return {name: s for name, items in every.items() if (s := summed(items))}


@given(days, pendings)
def test_a_fold_moves_every_name_onto_one_item_and_changes_no_sum(
    shards: dict[str, dict[int, dict[str, Decimal]]],
    pending: dict[str, tuple[int, dict[str, Decimal]]],
) -> None:
    after, left = folded(shards, pending)
    assert left == {}
    assert sums(after, {}) == sums(shards, pending)
    assert all(len(held) <= 1 for held in after.values())
    for name, held in shards.items():  # the target is the lowest shard there was
        if name not in pending and held:
            assert list(after[name]) == [min(held)]


@given(days)
def test_each_delete_expects_every_counter_as_read_and_a_name_with_one_shard_is_left(
    shards: dict[str, dict[int, dict[str, Decimal]]],
) -> None:
    moves = {m.name: m for m in plan(shards)}
    assert set(moves) == {name for name, held in shards.items() if len(held) > 1}
    for name, move in moves.items():
        deleted = dict(move.deletes)
        assert set(deleted) == set(shards[name]) - {move.target}
        for shard, expect in deleted.items():
            assert set(expect) == set(ROLLUP_COUNTERS)  # absent ones too (None)
            assert {n: v for n, v in expect.items() if v is not None} == shards[name][shard]
        assert move.moved == sums({name: {s: shards[name][s] for s in deleted}}, {})[name]


# Grouping reads a name's shards alone, not what they hold: one counter each (drawing all 18
# per shard made this test ~13 s), and up to 10 days (up to 400 actions: several groups).
shard_sets = st.dictionaries(
    names,
    st.dictionaries(
        st.integers(0, COUNTER_SHARDS - 1), st.just({COUNTS[0]: Decimal(1)}), min_size=1
    ),
)


@given(st.lists(shard_sets, min_size=1, max_size=10))
def test_transactions_hold_at_most_100_actions_and_every_move_once_in_order(
    many: list[dict[str, dict[int, dict[str, Decimal]]]],
) -> None:
    moves = [
        m for n, shards in enumerate(many) for m in plan({f"{k}{n}": v for k, v in shards.items()})
    ]
    groups = rollup_fold.groups(moves)
    assert [m for g in groups for m in g] == moves
    assert all(sum(m.actions for m in g) <= MAX_ACTIONS for g in groups)
    assert all(g for g in groups)
    # Full where the next name would not fit (a smaller limit: the fold's 99 and its check).
    for limit in (MAX_ACTIONS, MAX_ACTIONS - 1):
        held = rollup_fold.groups(moves, limit)
        assert all(sum(m.actions for m in g) <= limit for g in held)
        assert all(sum(m.actions for m in a) + b[0].actions > limit for a, b in pairwise(held))


def test_the_days_folded_are_the_closed_ones_after_the_last_folded_whole() -> None:
    today = date(2026, 12, 6)
    assert days_to_fold(None, today, 182)[0] == "2026-06-07"  # 182 days back
    assert days_to_fold(None, today, 182)[-1] == "2026-12-04"  # ended a full day ago
    assert len(days_to_fold(None, today, 182)) == 181
    assert days_to_fold(date(2026, 12, 1), today, 182) == ["2026-12-02", "2026-12-03", "2026-12-04"]
    assert days_to_fold(date(2026, 12, 4), today, 182) == []  # up to date
    assert days_to_fold(date(2026, 12, 5), today, 182) == []  # a clock set back: nothing


def test_a_name_whose_other_shards_sum_to_0_sends_its_deletes_alone() -> None:
    """What a move counts is what its transaction sends (the store finds a refused name by the
    cancellation reasons' places): no pending update when nothing moves."""
    one = {"organic_touches": Decimal(1), "organic_points": Decimal(1)}
    less = {"organic_touches": Decimal(-1), "organic_points": Decimal(-1)}
    moves = {
        m.name: m for m in plan({"x#zero": {0: one, 1: one, 2: less}, "x#one": {0: one, 3: one}})
    }
    assert moves["x#zero"].moved == {}
    assert moves["x#zero"].actions == 2  # shards 1 and 2 deleted, nothing added to shard 0
    assert moves["x#one"].moved == one
    assert moves["x#one"].actions == 2  # shard 3 deleted, its sums pending for shard 0
