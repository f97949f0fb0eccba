"""`socialscore top` on the demo data: the best profiles and the hot leads it prints (read from
the `by_units` index and the `hot` key) are the report's recomputation over every profile and
touch (Snapshot.scores), row for row."""

from __future__ import annotations

import pytest

from socialscore.report.profiles import owner_text
from socialscore.report.snapshot import Snapshot
from socialscore_local.demo import DEMO_AS_OF
from socialscore_local.ops_bridge import outputs
from socialscore_ops.stack import Stack
from tests.ops.conftest import DeployedStack

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py


def test_top_and_hot_leads_are_the_full_recomputation_s(demo_stack: DeployedStack) -> None:
    every = Snapshot(Stack("test", outputs(demo_stack.rt)), DEMO_AS_OF).scores()
    at = DEMO_AS_OF.isoformat()
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
