"""Activities end to end on the local runtime (moto, crm_sync's real handler and sync state):
the linked contacts' acts land on their records in the file outbox and in the Salesforce stub,
once; an undone share is withdrawn; an erased contact's activities go, and so does every item
of the sync state that kept them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from socialscore.domain.interaction import Kind
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.support import POST_B, Stack, running, write_demo_dir
from tests.integration.test_crm_last_touch import erase, retract, salesforce_stack
from tests.integration.test_crm_sync_handler import lines, outbox_of, seed_touches

FN = "CrmSyncFunction"
Held = Callable[[], dict[str, str]]  # interaction id -> the contact whose record holds it


@contextmanager
def target(name: str, tmp_path: Path) -> Iterator[tuple[Stack, Held]]:
    if name == "file":
        with running(tmp_path / "work", write_demo_dir(tmp_path / "demo")) as stack:
            seed_touches(stack)

            def outbox() -> dict[str, str]:
                held: dict[str, str] = {}
                for line in lines(outbox_of(stack)):
                    if line["type"] == "activity":
                        held[line["id"]] = line["contact_id"]
                    elif line["type"] == "removed_activity":
                        held.pop(line["id"], None)
                return held

            yield stack, outbox
    else:
        with SalesforceStub() as sf, salesforce_stack(tmp_path, sf) as stack:
            records = sf.records
            yield (
                stack,
                lambda: {
                    str(r["Interaction_Id__c"]): str(r["Contact__c"])
                    for r in records("Social_Activity__c")
                },
            )


@pytest.mark.parametrize("name", ["file", "salesforce"])
def test_activities_land_once_follow_a_retraction_and_go_with_an_erasure(
    name: str, tmp_path: Path
) -> None:
    with target(name, tmp_path) as (stack, held):
        first = stack.rt.run_schedule(FN)
        assert first["failed"] == 0
        assert sorted(held().values()) == ["C-1", "C-1", "C-1", "C-2"]  # C-1's 3 acts, C-2's 1
        assert first["activities"] == 4
        assert stack.rt.run_schedule(FN)["activities"] == 0  # nothing new: nothing pushed

        retract(stack, 2, Kind.SHARE, POST_B, "2026-11-20T12:00:00Z")  # C-1's share undone
        after = stack.rt.run_schedule(FN)
        assert (after["activities_removed"], after["failed"]) == (1, 0)
        assert sorted(held().values()) == ["C-1", "C-1", "C-2"]

        stack.send("ScoreQueue", [erase("C-2", "C-2")])
        stack.rt.drain()
        assert stack.rt.run_schedule(FN)["activities_removed"] == 1
        assert sorted(held().values()) == ["C-1", "C-1"]
        kept = stack.by_key("SyncStateTable", "key")
        assert "pushed#activities#x#u2" not in kept  # C-2's identity: forgotten
        assert "pushed#activities#x#u1" in kept
