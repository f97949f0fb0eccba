"""crm_sync and an erasure, in memory: a contact's or a single identity's erasure leaves no
sync-state item and no change mark naming it (its hot-lead task, its complaint cases, its
scores' digest), and a change window's marks go once a run has taken it. The stores and the CRM
are socialscore_local.memory's; the erasure is the score stage's own Eraser."""

from __future__ import annotations

import re
from datetime import timedelta

from socialscore.domain import record_key as rk
from socialscore.domain.interaction import Erase
from socialscore.pipeline.erasure import Eraser
from tests.unit.test_crm_sync_slices import DAY0, World, world


def erase(w: World, request: Erase) -> None:
    sync = w.sync
    eraser = Eraser(sync.identities, sync.ledger, sync.scores, w.state)
    eraser.erase(request, DAY0 + timedelta(minutes=12))


def naming(w: World, *names: str) -> list[str]:
    """Sync-state items and change marks that hold one of `names` (whole: x#5 is not x#5c)."""
    found = re.compile("|".join(rf"{re.escape(n)}(?![0-9a-z])" for n in names))
    items = [k for k, v in w.state.items.items() if found.search(f"{k} {v}")]
    marks = [f"mark:{i}" for _, _, i in w.state.marks if i in names]
    return sorted(items + marks)


def test_a_contact_erasure_forgets_its_task_cases_digest_and_marks() -> None:
    w = world()
    w.sync.run(DAY0)
    w.state.mark_changed(DAY0 + timedelta(minutes=5), profiles=["x#14"])  # a window still open
    assert {"pushed#hot#x#14", "cases#x#14", "pushed#contact#c0014", "mark:x#14"} <= set(
        naming(w, "x#14", "c0014")
    )

    erase(w, Erase(event_id="erase-1", source="smms", occurred_at=DAY0, contact_id="c0014"))
    w.sync.clock = lambda: DAY0 + timedelta(minutes=15)
    report = w.sync.run(DAY0)

    assert report.erased == 1
    assert w.crm.held[rk.contact("c0014")] is None  # its CRM fields cleared
    # Only the CRM's own deal and its contacts, as the CRM holds them, still name the contact
    # (a later link of the contact credits its deals again).
    assert naming(w, "x#14", "c0014") == ["contact#c0014", "opportunity#006-1"]
    assert "pushed#hot#x#3" in w.state.items  # another hot lead's task is still known
    assert w.state.pending() == (set(), set())


def test_an_identity_erasure_forgets_the_identity_and_scores_its_contact_again() -> None:
    w = world()
    w.sync.run(DAY0)
    w.links["c0005"].append("x#5c")  # a second identity, which stays
    w.state.mark_changed(DAY0 + timedelta(minutes=5), profiles=["x#5"])  # a window still open
    assert {"cases#x#5", "mark:x#5"} <= set(naming(w, "x#5"))

    erase(w, Erase(event_id="erase-1", source="smms", occurred_at=DAY0, identity="x#5"))
    w.sync.clock = lambda: DAY0 + timedelta(minutes=15)
    report = w.sync.run(DAY0)

    assert report.erased == 0  # the contact stays in the CRM
    assert report.scored >= 1  # scored again without the identity
    assert naming(w, "x#5") == []
    assert "pushed#contact#c0005" in w.state.items


def test_a_closed_windows_marks_are_deleted_and_the_open_buckets_kept() -> None:
    w = world()
    w.sync.run(DAY0)
    w.state.mark_changed(DAY0 + timedelta(minutes=5), contacts=["c0001"])
    w.state.mark_changed(DAY0 + timedelta(minutes=12), contacts=["c0002"])
    w.sync.clock = lambda: DAY0 + timedelta(minutes=15)

    assert w.sync.run(DAY0).scored == 2
    # The window (DAY0 to +15 min) is taken: its buckets before +10 min go; +10 min's stays,
    # as later marks may land in it and the next window reads it.
    assert [i for _, _, i in w.state.marks] == ["c0002"]
