"""crm_sync on moto and a file CRM: contact scores and opportunity influence, pushed once.

The first run through the handler, the tables and the file CRM's outbox is the end-to-end path;
the rules of the runs after it (nothing pushed twice, a changed opportunity, a late touch, a failed
push, an erasure, a hot lead's task) are proven in memory: tests/unit/test_crm_sync_runs.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.integration.support import Stack
from tests.unit.test_crm_sync_runs import (
    AS_OF,
    LAST_MODIFIED,
    MODEL,
    assert_first_push,
    expected_score,
    lines,
    seed_acts,
    seed_links,
)

# Imported from here by the other crm_sync tests on moto.
__all__ = ["MODEL", "expected_score", "lines", "outbox_of", "seed_touches"]

FN = "CrmSyncFunction"


def seed_touches(stack: Stack, contacts: tuple[str, str] = ("C-1", "C-2")) -> None:
    """Link two contacts and score their touches through resolve and score."""
    stack.send("ResolveQueue", seed_links(contacts))
    stack.rt.drain()
    stack.send("ResolveQueue", seed_acts())
    stack.rt.drain()
    assert len(stack.scan("LedgerTable")) == 5


def outbox_of(stack: Stack) -> Path:
    return stack.rt.workdir / "crm" / "outbox.jsonl"


def checkpoint(stack: Stack) -> str | None:
    item = stack.by_key("SyncStateTable", "key").get("run#checkpoint#file")
    return None if item is None else item["value"]


def test_first_run_pushes_scores_and_influence_and_moves_the_checkpoint(stack: Stack) -> None:
    seed_touches(stack)
    assert checkpoint(stack) is None

    report = stack.rt.run_schedule(FN, at=AS_OF)

    assert report["opportunities"] == 2
    assert (report["pushed_scores"], report["pushed_influences"]) == (2, 2)
    assert datetime.fromisoformat(report["checkpoint"]) == LAST_MODIFIED
    assert_first_push(lines(outbox_of(stack)))
    stored = checkpoint(stack)
    assert stored is not None
    assert datetime.fromisoformat(stored) == LAST_MODIFIED
