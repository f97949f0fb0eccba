"""The attribution job keeps per-journey summaries and folds in only what changed: over any
sequence of days of touches, retractions, links, unlinks, erasures and deals won or lost,
stopped by a crash or by its time budget anywhere, its counts equal a recomputation from
scratch and so do the Markov removal effects and Shapley values, float for float."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.interaction import Category, Kind
from socialscore.domain.journeys import JourneyStats, markov, shapley
from socialscore_local.memory.journey_state import Crash, MemoryJourneyState
from tests.unit.journey_world import T0, World, clock, job, opportunity, touch

PROFILES = [f"x#u{n}" for n in range(6)]
CONTACTS = ["C-1", "C-2", "C-3"]
SELLERS = ["s-ana", "s-ben", None]

profile = st.sampled_from(PROFILES)
change = st.one_of(
    st.tuples(
        st.just("touch"),
        profile,
        st.integers(0, 240),
        st.sampled_from(SELLERS),
        st.sampled_from([Category.ORGANIC, Category.ORGANIC, Category.PAID]),
    ),
    st.tuples(st.just("retract"), profile, st.integers(0, 9)),
    st.tuples(st.just("link"), profile, st.sampled_from(CONTACTS)),
    st.tuples(st.just("unlink"), profile),
    st.tuples(st.just("erase"), profile),
    st.tuples(st.just("erase_contact"), st.sampled_from(CONTACTS)),
    st.tuples(
        st.just("deal"),
        st.sampled_from(["O-1", "O-2"]),
        st.lists(st.sampled_from([*CONTACTS, "C-9"]), min_size=1, max_size=3, unique=True),
        st.integers(0, 240),
        st.sampled_from(["Closed Won", "closedwon", "Negotiation", "Closed Lost"]),
    ),
)
# How a day's run ends: it finishes, crashes at the n-th write, or runs out of time after n
# checks of its clock; a stopped run is run again until it finishes.
ending = st.one_of(
    st.just(("finish", 0)),
    st.tuples(st.just("crash"), st.integers(0, 12)),
    st.tuples(st.just("timeout"), st.integers(0, 4)),
)
day = st.tuples(st.lists(change, max_size=8), ending)


def apply(world: World, step: tuple[Any, ...]) -> None:
    name, *args = step
    if name == "touch":
        who, hours, seller, category = args
        n = sum(len(v) for v in world.touches.values()) + len(world.marks)
        world.record(touch(n, str(who), float(hours), seller, category))
    elif name == "retract":
        world.retract(str(args[0]), int(args[1]))
    elif name == "link":
        world.link(str(args[0]), str(args[1]))
    elif name == "unlink":
        world.unlink(str(args[0]))
    elif name == "erase":
        world.erase(str(args[0]))
    elif name == "erase_contact":
        for p in [p for p, c in world.links.items() if c == args[0]]:
            world.erase(p)
    else:
        deal, contacts, hours, stage = args
        world.opps[str(deal)] = opportunity(str(deal), list(contacts), float(hours), str(stage))


def same(kept: JourneyStats, fresh: JourneyStats) -> None:
    assert kept == fresh
    assert markov(kept) == markov(fresh)  # removal effects, shares and P, exactly
    assert shapley(kept) == shapley(fresh)


@settings(max_examples=150, deadline=None)
@given(before=st.lists(change, max_size=10), days=st.lists(day, min_size=1, max_size=5))
def test_kept_counts_equal_a_recomputation_over_any_days_of_changes(
    before: list[tuple[object, ...]], days: list[tuple[list[tuple[object, ...]], tuple[str, int]]]
) -> None:
    world, state = World(), MemoryJourneyState()
    for step in before:  # a state built before the first run: the first build reads it all
        apply(world, step)
    for n, (changes, (how, at)) in enumerate(days):
        world.now = T0 + timedelta(days=n, hours=12)
        for step in changes:
            apply(world, step)
        world.now += timedelta(hours=1)
        as_of = world.now
        the_job = job(world, state, piece=2)
        if how == "crash":
            state.fail_after = at
            with contextlib.suppress(Crash):
                the_job.run(as_of)
            state.fail_after = None
        elif how == "timeout":
            the_job.run(as_of, clock(at))  # stops when its clock says so, work saved
        result = the_job.run(as_of)

        assert "done" not in result
        same(state.book().stats, world.recomputed())
        fresh = world.recomputed()
        assert result["journeys"] == fresh.journeys
        assert result["conversions"] == fresh.conversions


def test_an_anonymous_profiles_journey_counts_and_moves_to_its_contact_once_linked() -> None:
    world, state = World(), MemoryJourneyState()
    world.record(touch(1, "x#anon", 1, "s-ana"))
    world.record(touch(2, "x#known", 2, "s-ben"))
    world.link("x#known", "C-1")
    world.opps["O-1"] = opportunity("O-1", ["C-1"], 100, "Closed Won")

    first = job(world, state).run(T0 + timedelta(days=1))

    # The anonymous profile is a journey of its own (lost), C-1's deal the other (won).
    assert (first["journeys"], first["conversions"], first["touches"]) == (2, 1, 2)
    assert first["shapley"] == {"s-ana": 0.0, "s-ben": 1.0}

    world.now = T0 + timedelta(days=1, hours=1)
    world.link("x#anon", "C-1")  # identified: its touch joins C-1's won deal
    second = job(world, state).run(T0 + timedelta(days=2))

    assert (second["journeys"], second["conversions"], second["touches"]) == (1, 1, 2)
    assert second["shapley"] == {"s-ana": 0.5, "s-ben": 0.5}


def test_a_day_reads_only_the_profiles_that_changed() -> None:
    world, state = World(), MemoryJourneyState()
    for n, p in enumerate(f"x#p{i}" for i in range(50)):
        world.record(touch(n, p, 1, "s-ana"))
    job(world, state).run(T0 + timedelta(days=1))
    world.reads = 0

    world.now = T0 + timedelta(days=1, hours=2)
    world.record(touch(99, "x#p7", 3, "s-ben", kind=Kind.COMMENT))
    result = job(world, state).run(T0 + timedelta(days=2))

    assert world.reads == 1  # x#p7 alone, not the 50 profiles
    assert (result["journeys"], result["touches"]) == (50, 51)


def test_an_erased_profile_leaves_no_summary_or_pointer() -> None:
    world, state = World(), MemoryJourneyState()
    world.record(touch(1, "x#gone", 1))
    world.link("x#gone", "C-1")
    world.record(touch(2, "x#anon", 1))
    job(world, state).run(T0 + timedelta(days=1))
    assert state.named("x#gone")
    assert state.named("C-1")
    assert state.named("x#anon")

    world.now = T0 + timedelta(days=1, hours=1)
    world.erase("x#gone")
    world.erase("x#anon")
    job(world, state).run(T0 + timedelta(days=2))

    assert state.named("x#gone") == state.named("C-1") == state.named("x#anon") == []
    assert state.book().stats == JourneyStats()
