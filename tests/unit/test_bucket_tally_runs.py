"""The bucket tally kept by crm_sync's runs (its hook), on the memory fakes: after any sequence of
touches, retractions, identity links and unlinks, erasures, rebuilds and runs at an advancing
clock (runs skipped, a run out of time, a run whose tally write fails mid-step), the counts a
report reads equal those recomputed from every profile's touches as of the run, and so do the
score bins' (every profile's organic score now, binned: the report's distribution) and the
identity coverage's linked part summed over any period of the days it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from socialscore.domain.interaction import Erase, Kind
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.pipeline.bucket_tally import rebuild
from socialscore.pipeline.crm_budget import Budget
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.pipeline.erasure import Eraser
from socialscore.pipeline.resolution import relink
from socialscore_local.memory.crm import MemoryCrm
from tests.integration.support import identify
from tests.unit.tally_world import MODEL, TallyWorld, touch

HOUR = timedelta(hours=1)
ACTORS = ["u1", "u2", "u3"]
# Periods a report may read, as (days before the run's day of the first, of the last): 7, 30 and
# 90 days up to the run's, the longest ending the day before (a report as of just before the
# run), and every day kept (the 90 before it to the day after: a clock a little ahead).
PERIODS = [(6, 0), (29, 0), (89, 0), (90, 1), (90, -1)]
CONTACTS = ["C-1", "C-2"]


@dataclass
class Runs:
    """A world, crm_sync over it with the tally's hook, and what happened so far."""

    w: TallyWorld = field(default_factory=TallyWorld)
    touches: list[Touch] = field(default_factory=list)
    checked: int = 0  # runs whose counts were compared

    def __post_init__(self) -> None:
        self.sync = CrmSync(
            MemoryCrm([]),
            self.w.links,
            self.w.ledger,
            self.w.scores,
            self.w.sync,
            MODEL,
            clock=lambda: self.w.now,
            tally=self.w.step,
        )
        rebuild(self.w.store, MODEL, self.w.now, {}, [], {})

    def run(self, budget: Budget | None = None, fail_in: int | None = None) -> None:
        store = self.w.store
        store.fail_at = None if fail_in is None else store.applied + fail_in
        self.sync.run(self.w.now, budget)
        failed = store.fail_at is not None and store.applied > store.fail_at
        store.fail_at = None
        if not failed and not store.todo():  # the run took every unit: the counts are now's
            assert self.w.counted() == self.w.expected(self.w.now)
            assert self.w.counted_bins() == self.w.expected_bins(self.w.now)
            today = self.w.now.astimezone(UTC).date()
            for first, last in PERIODS:
                days = (today - timedelta(days=first), today - timedelta(days=last))
                assert self.w.kept_cover(*days) == self.w.expected_cover(*days), days
            self.checked += 1

    def rebuilt(self) -> None:
        everyone = sorted({t.profile for t in self.w.ledger.every_touch()})
        w = self.w
        rebuild(
            w.store,
            MODEL,
            w.now,
            w.links.all_contacts(),
            w.ledger.every_touch(),
            w.scores.profile_units(everyone),
        )


actor = st.sampled_from(ACTORS)
contact = st.sampled_from(CONTACTS)
events = st.one_of(
    st.tuples(
        st.just("touch"),
        actor,
        st.sampled_from([Kind.LIKE, Kind.COMMENT, Kind.SHARE, Kind.QUOTE]),
        st.booleans(),  # an intent keyword
        st.sampled_from([None, 500, 5000]),  # followers reported
        st.integers(-96, 2),  # hours from now: late, or a clock a little ahead
        st.sampled_from(["s-ana", "s-bo", None]),  # the post's seller (None: no seller's)
    ),
    st.tuples(st.just("retract"), st.integers(0, 50)),
    # the same act again, later (a like after an unlike): its touch replaced, maybe another day
    st.tuples(st.just("again"), st.integers(0, 50), st.integers(-48, 2)),
    st.tuples(st.just("link"), actor, contact),
    st.tuples(st.just("unlink"), actor),
    st.tuples(st.just("erase_contact"), contact),
    st.tuples(st.just("erase_identity"), actor),
    st.tuples(st.just("wait"), st.integers(1, 80)),  # hours
    st.tuples(st.just("run"), st.sampled_from(["clean", "clean", "short", "fault"])),
    st.tuples(st.just("rebuild")),
)


def play(r: Runs, event: tuple[object, ...]) -> None:
    w = r.w
    match event:
        case ("touch", str(who), Kind() as kind, bool(intent), followers, int(hours), seller):
            made = touch(
                who,
                w.now + hours * HOUR,
                kind,
                seller=seller if isinstance(seller, str) else None,
                intent=intent,
                followers=followers if isinstance(followers, int) else None,
            )
            r.touches.append(made)
            w.ledger.record([made])
        case ("retract", int(n)) if r.touches:
            gone = r.touches[n % len(r.touches)]
            w.ledger.record([Withdrawal(gone.profile, gone.dedupe_key, w.now)])
        case ("again", int(n), int(hours)) if r.touches:
            first = r.touches[n % len(r.touches)]
            who, at = first.profile.removeprefix("x#"), w.now + hours * HOUR
            later = touch(who, at, first.kind, seller=first.seller_id)
            w.ledger.record([replace(later, dedupe_key=first.dedupe_key)])
        case ("link", str(who), str(to)):
            relink(
                [identify(f"{who}{to}", user=who, contact=to, at=w.now)], [], w.links, w.sync, w.now
            )
        case ("unlink", str(who)):
            held = w.links.contacts_of([f"x#{who}"])
            relink([], [(f"x#{who}", c) for c in held.values()], w.links, w.sync, w.now)
        case ("erase_contact", str(to)):
            erase = Erase(event_id=f"e-{to}", source="smms", contact_id=to, occurred_at=w.now)
            Eraser(w.links, w.ledger, w.scores, w.sync).erase(erase, w.now)
        case ("erase_identity", str(who)):
            erase = Erase(
                event_id=f"e-{who}", source="smms", identity=f"x#{who}", occurred_at=w.now
            )
            Eraser(w.links, w.ledger, w.scores, w.sync).erase(erase, w.now)
        case ("wait", int(hours)):
            w.now += hours * HOUR
        case ("run", "clean"):
            r.run()
        case ("run", "short"):  # invoked with 10 s left: the tally takes nothing this run
            r.run(Budget(lambda: 10.0))
        case ("run", "fault"):
            r.run(fail_in=1)
        case ("rebuild",):
            r.rebuilt()


# Sequences a random search seldom builds, each a way the counts could go stale: a contact erased
# after its identity's touches were counted, an identity moved from one contact to another.
LINKED = [
    ("link", "u1", "C-1"),
    ("touch", "u1", Kind.SHARE, True, 5000, -1, "s-ana"),
    ("run", "clean"),
]


@settings(max_examples=150, deadline=None)
@given(st.lists(events, min_size=3, max_size=40))
@example([*LINKED, ("erase_contact", "C-1"), ("run", "clean")])
@example([*LINKED, ("link", "u1", "C-2"), ("run", "clean"), ("unlink", "u1"), ("run", "clean")])
@example([*LINKED, ("erase_identity", "u1"), ("run", "fault"), ("wait", 30), ("run", "clean")])
# A contact's touch leaving the kept days, then the contact worked out again (an unlink): the day
# past them is never read again, the rest moves.
@example([*LINKED, ("wait", 90 * 24), ("run", "clean"), ("unlink", "u1")])
# A linked touch replaced by the same act three days later: out of its day, into another.
@example([*LINKED, ("wait", 72), ("again", 0, 0), ("run", "clean")])
def test_the_counts_equal_a_recomputation_after_any_sequence_of_runs(
    sequence: list[tuple[object, ...]],
) -> None:
    r = Runs()
    for event in sequence:
        play(r, event)
    r.w.now += HOUR
    r.run()  # a clean run after all: its counts must be exact
    r.w.now += 3 * 24 * HOUR
    r.run()  # and days later with no change: what time alone did
    assert r.checked >= 2
