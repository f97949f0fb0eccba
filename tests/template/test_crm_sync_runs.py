"""One crm_sync run at a time, as template.yaml declares it: no asynchronous retry (the
schedule's next slot is the retry), no reserved concurrency (a new account could not deploy
it), and the run lease's item alone open to its puts and deletes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialscore_ops.template import Template

TEMPLATE = Template.read(Path(__file__).resolve().parents[2] / "template.yaml")


def props(logical: str) -> dict[str, Any]:
    found: dict[str, Any] = TEMPLATE.document["Resources"][logical]["Properties"]
    return found


def test_crm_sync_is_not_retried_asynchronously_nor_reserves_concurrency() -> None:
    crm_sync = props("CrmSyncFunction")
    assert crm_sync["EventInvokeConfig"] == {"MaximumRetryAttempts": 0}
    assert "ReservedConcurrentExecutions" not in crm_sync


def test_crm_sync_puts_and_deletes_only_its_lease_item() -> None:
    statements = [s for p in props("CrmSyncFunction")["Policies"] for s in p.get("Statement", [])]
    on_state = [s for s in statements if s["Resource"] == {"Fn::GetAtt": ["SyncStateTable", "Arn"]}]
    writes = [s for s in on_state if {"dynamodb:PutItem", "dynamodb:DeleteItem"} & {*s["Action"]}]
    assert len(writes) == 1
    assert writes[0]["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["lease#crm_sync"]}
    }
