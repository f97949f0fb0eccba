"""crm_sync's work in slices (crm_work), pure and property-tested: a run takes every changed
opportunity, every marked contact and, once a day, every linked contact, each within its slice's
size; and a run stopped after any slice, resumed from the cursors that slice saved, takes all
that the stopped run had not (the CRM read again from the checkpoint, inclusive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.opportunity import Opportunity
from socialscore.pipeline.crm_cursors import Cursors
from socialscore.pipeline.crm_work import Pages, Slice, SliceSize, slices

T0 = datetime(2026, 11, 20, 6, tzinfo=UTC)
DAY = T0.date().isoformat()
WINDOW_END = T0 + timedelta(hours=1)


def opportunity(n: int, minutes: int) -> Opportunity:
    at = T0 + timedelta(minutes=minutes)
    return Opportunity(
        id=f"o{n:03}",
        contact_ids=[],
        currency="USD",
        amount=Decimal(1),
        created_at=at,
        modified_at=at,
    )


def pager(contacts: list[str]) -> Pages:
    """The identity index's pages: the cursor is where the next page starts."""

    def pages(cursor: str, limit: int) -> tuple[dict[str, list[str]], str]:
        start = int(cursor or 0)
        page = contacts[start : start + limit]
        end = start + len(page)
        return {c: [f"x#{c}"] for c in page}, str(end) if end < len(contacts) else ""

    return pages


@dataclass(frozen=True)
class World:
    changed: list[Opportunity]  # in the CRM, changed since the start
    touched: set[str]  # contacts marked in the window from last_run to WINDOW_END
    linked: list[str]  # every linked contact, in the identity index's order
    size: SliceSize
    last_run: datetime | None  # None: a first run


@st.composite
def worlds(draw: st.DrawFn) -> World:
    minutes = draw(st.lists(st.integers(0, 30), max_size=25))
    return World(
        changed=[opportunity(n, m) for n, m in enumerate(minutes)],
        touched=draw(st.sets(st.sampled_from([f"c{n:03}" for n in range(40)]))),
        linked=[f"c{n:03}" for n in range(draw(st.integers(0, 30)))],
        size=SliceSize(contacts=draw(st.integers(1, 7)), opportunities=draw(st.integers(1, 5))),
        last_run=draw(st.sampled_from([None, T0])),
    )


def run(at: Cursors, world: World) -> list[Slice]:
    """The slices of a run from `at`, reading what a run would: the CRM's opportunities changed
    at or after the checkpoint, the marks of the window that starts at `at`'s last run."""
    changed = world.changed
    if at.checkpoint is not None:
        changed = [o for o in changed if o.modified_at >= at.checkpoint]
    # The contacts marked in the world's window (none before a first run, none in the next).
    window = at.last_run is not None and at.last_run == world.last_run
    marks = world.touched if window else set()
    return list(
        slices(
            at,
            erased=set(),
            forgotten=set(),
            changed=changed,
            touched=marks,
            window_end=at.marks_until or WINDOW_END,
            day=DAY,
            pages=pager(world.linked),
            size=world.size,
        )
    )


def taken(pieces: list[Slice]) -> tuple[list[str], list[str], list[str]]:
    return (
        [o.id for p in pieces for o in p.opportunities],
        [c for p in pieces for c in p.touched],
        [c for p in pieces for c in p.decay],
    )


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_a_run_takes_everything_once_in_order_within_its_slices(world: World) -> None:
    start = Cursors(last_run=world.last_run)
    pieces = run(start, world)
    size, changed = world.size, world.changed

    opportunities, marked, decayed = taken(pieces)
    assert opportunities == [o.id for o in sorted(changed, key=lambda o: (o.modified_at, o.id))]
    assert marked == (sorted(world.touched) if start.last_run else [])
    assert decayed == world.linked
    assert all(len(p.opportunities) <= size.opportunities for p in pieces)
    assert all(len(p.touched) <= size.contacts and len(p.decay) <= size.contacts for p in pieces)
    checkpoints = [p.after.checkpoint or T0 for p in pieces if p.opportunities]
    assert checkpoints == sorted(checkpoints)
    last = pieces[-1].after
    assert (last.decay_day, last.decay_pass, last.decay_cursor) == (DAY, "", "")
    assert (last.last_run, last.marks_until, last.marks_after) == (WINDOW_END, None, "")
    assert run(last, world)[-1].daily is False  # the day's pass is done: not begun again


@settings(max_examples=200, deadline=None)
@given(worlds(), st.integers(0, 200))
def test_a_run_stopped_after_any_slice_is_resumed_from_its_cursors(world: World, stop: int) -> None:
    start = Cursors(last_run=world.last_run)
    whole = run(start, world)
    before = whole[: stop % len(whole) + 1]
    after = run(before[-1].after, world)

    for done, left, every in zip(taken(before), taken(after), taken(whole), strict=True):
        assert set(done) | set(left) == set(every)
    # Only opportunities sharing the checkpoint's moment are read again (their digests absorb
    # them); no marked or decayed contact is taken twice.
    again = set(taken(before)[0]) & set(taken(after)[0])
    moment = before[-1].after.checkpoint
    assert all(o.modified_at == moment for o in world.changed if o.id in again)
    assert not set(taken(before)[1]) & set(taken(after)[1])
    assert not set(taken(before)[2]) & set(taken(after)[2])
