"""`socialscore top` after `socialscore rebuild` has built the contacts' ranking: the same rows as
the recomputation over every profile and touch, read from that ranking (no stderr line); before
it, the same rows read as before, and the stderr line saying to run the rebuild. A stack of its
own: the rebuild writes (test_top's stack is shared by its module's readers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialscore.report.snapshot import Snapshot
from socialscore_local.ops_bridge import outputs
from socialscore_ops.stack import Stack
from tests.ops.conftest import deployed

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py


def test_after_rebuild_top_reads_the_contacts_ranking_and_lists_the_same_rows(
    tmp_path: Path,
) -> None:
    with deployed(tmp_path / "stack") as stack:
        every = Snapshot(Stack("test", outputs(stack.rt)), stack.as_of).scores()
        scored = [s for s in every if s.organic > 0]
        assert any(s.contact for s in scored[:3]), "the demo's best profiles include a contact"

        def top(n: int) -> tuple[list[tuple[str, bool, object, object]], str]:
            answer = stack.socialscore("top", "--limit", str(n), "--as-of", stack.at, "--json")
            assert answer.code == 0, answer.err
            rows = answer.json()["profiles"]
            return [(p["profile"], p["contact"], p["organic"], p["paid"]) for p in rows], answer.err

        def recounted(n: int) -> list[tuple[str, bool, object, object]]:
            return [(s.who, s.contact, s.organic, s.paid) for s in scored[:n]]

        before, said = top(3)
        assert before == recounted(3)
        assert "run `socialscore rebuild` once to read the contacts' ranking" in said
        rebuilt = stack.socialscore("rebuild", "--no-pause", "--json")
        assert rebuilt.code == 0, rebuilt.err
        for n in (1, 3, len(scored)):
            after, said = top(n)
            assert after == recounted(n)
            assert "socialscore rebuild" not in said  # read from the contacts' ranking
