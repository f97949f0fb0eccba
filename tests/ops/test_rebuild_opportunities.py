"""A stack upgraded from a release that kept no splits: the leaderboard's attributed column is the
same before `socialscore rebuild` (read from the journeys, as before) and after it (read from the
splits it keeps, one Query, no journey)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialscore.domain.scoring_model import bundled
from socialscore.report.snapshot import Snapshot
from socialscore.store import dynamo
from socialscore.store.opportunities import INDEXED, Opportunities
from socialscore_local.ops_bridge import outputs
from socialscore_ops.rebuild_opportunities import rebuild_opportunities
from socialscore_ops.stack import Stack
from tests.ops.conftest import deployed


def attributed(stack: Stack, at: Any) -> dict[str, Any]:
    snapshot = Snapshot(stack, at)
    return {d: snapshot.attributed(d) for d in ("seller", "post", "network")}


def test_an_upgraded_stack_shows_the_same_value_before_and_after_rebuild(tmp_path: Path) -> None:
    with deployed(tmp_path / "stack") as deployed_stack:
        rt = deployed_stack.rt
        stack, at = Stack("test", outputs(rt)), deployed_stack.as_of
        table = rt.table("SyncStateTable")
        kept = attributed(stack, at)  # crm_sync's splits, as the demo's run kept them
        every = Opportunities(table).every()
        assert every
        assert all(r.attributed is not None for r in every)
        # As a release before left them: the opportunity alone, out of the index, unmarked.
        old = [
            {
                "key": f"opportunity#{r.opportunity.id}",
                "opportunity": r.opportunity.model_dump_json(),
            }
            for r in every
        ]
        dynamo.batch_write(table, [{"PutRequest": {"Item": dynamo.to_item(i)}} for i in old])
        dynamo.batch_write(table, [{"DeleteRequest": {"Key": {"key": {"S": INDEXED}}}}])
        records = Opportunities(table)
        assert not records.indexed()
        assert list(records.created(None, None)) == []

        assert attributed(stack, at) == kept  # from their journeys meanwhile

        assert rebuild_opportunities(stack, bundled()) == len(every)
        assert records.indexed()
        assert len(list(records.created(None, None))) == len(every)
        assert attributed(stack, at) == kept
        assert rebuild_opportunities(stack, bundled()) == 0  # all kept: nothing to split again
