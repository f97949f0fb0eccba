"""`socialscore top` on the demo data: the best profiles and the hot leads it prints (read from
the `by_units` index and the `hot` key) are the report's recomputation over every profile and
touch (Snapshot.scores), row for row; the report's identity coverage (from the rollups and
crm_sync's tally when it keeps the period, else a page of the ledger's filtered scan at a time) is
the one over every touch, and its anonymous profiles the recomputation's best anonymous ones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from socialscore.domain.coverage import coverage
from socialscore.domain.interaction import Category
from socialscore.report import coverage as report_coverage
from socialscore.report.covered import ledger_pages
from socialscore.report.profiles import owner_text
from socialscore.report.snapshot import Snapshot
from socialscore.store.identities import Identities
from socialscore_local.ops_bridge import outputs
from socialscore_ops.stack import Stack
from tests.ops.conftest import DeployedStack

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py


def test_top_and_hot_leads_are_the_full_recomputation_s(demo_stack: DeployedStack) -> None:
    every = Snapshot(Stack("test", outputs(demo_stack.rt)), demo_stack.as_of).scores()
    at = demo_stack.at
    hot = [s for s in every if s.hot_since]
    assert hot, "the demo has a hot lead"
    answer = demo_stack.socialscore("top", "--hot", "--limit", "1000", "--as-of", at, "--json")
    assert answer.code == 0, answer.err
    shown = answer.json()["profiles"]
    assert [(p["profile"], p["contact"], p["hot_since"]) for p in shown] == [
        (s.who, s.contact, s.hot_since) for s in hot
    ]
    assert [(p["organic"], p["paid"], p["buckets"]) for p in shown] == [
        (s.organic, s.paid, list(s.buckets)) for s in hot
    ]
    assert [p["owner"] for p in shown] == [s.owner.detail() if s.owner else None for s in hot]
    assert all(owner_text(s.owner) != "owner queue" for s in hot)
    scored = [s for s in every if s.organic > 0]
    for n in (1, 3, len(scored)):
        answer = demo_stack.socialscore("top", "--limit", str(n), "--as-of", at, "--json")
        assert answer.code == 0, answer.err
        assert [(p["profile"], p["organic"], p["paid"]) for p in answer.json()["profiles"]] == [
            (s.who, s.organic, s.paid) for s in scored[:n]
        ]
    assert demo_stack.socialscore("top", "--limit", "0").code == 2


def test_identity_coverage_from_the_ledger_s_filtered_pages_is_over_every_touch(
    demo_stack: DeployedStack,
) -> None:
    stack = Stack("test", outputs(demo_stack.rt))
    fresh = Snapshot(stack, demo_stack.as_of)
    found = report_coverage.of(fresh)  # nothing read before: the tally, or the filtered scan
    assert "touches" not in fresh.__dict__, "the report held every touch"
    every = Snapshot(stack, demo_stack.as_of)
    period, linked = every.period, set(every.grouping.contact_of)
    touches = [t for t in every.touches if period.holds(t.occurred_at)]
    assert found.rows, "the demo has organic touches in its period"
    assert found.rows == coverage(touches, linked)
    best = sorted(
        (s for s in every.scores() if not s.contact and s.organic > 0),
        key=lambda s: (-s.organic, s.who),
    )
    assert [(a.profile, a.score) for a in found.anonymous] == [
        (s.who, s.organic) for s in best[: report_coverage.TOP_ANONYMOUS]
    ]
    pages = ledger_pages(demo_stack.rt.table("LedgerTable"), period.start, period.end)
    organic = [t for t in touches if t.category is Category.ORGANIC]
    assert sorted(t.dedupe_key for p in pages for t in p) == sorted(t.dedupe_key for t in organic)


def test_once_rebuild_made_the_bound_ready_top_reads_the_links_it_needs_alone(
    demo_stack: DeployedStack,
) -> None:
    stack = Stack("test", outputs(demo_stack.rt))
    before = Snapshot(stack, demo_stack.as_of)
    every = before.scores()  # the recomputation over every profile and touch
    scored = [replace(s, buckets=(), owner=None) for s in every if s.organic > 0]
    identities = Identities(stack.table("IdentitiesTable"))
    assert identities.most_identities() is None  # not built
    assert identities.rebuild_most() == before.grouping.most  # as rebuild does
    for n in (1, 3, len(scored)):
        snap = Snapshot(stack, demo_stack.as_of)
        assert snap.top(n) == scored[:n]
        assert "contacts" not in snap.__dict__, "top read the identities table whole"
    hot = Snapshot(stack, demo_stack.as_of)
    assert [r.who for r in hot.hot_leads(10)] == [s.who for s in every if s.hot_since]
    assert "contacts" not in hot.__dict__
