"""The CRM's owner comes back: when crm_sync opens a hot-lead task it reads the contact's owner,
keeps it with the contact's links, and the contact's next complaint is routed to that owner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.support import ANA, identify
from tests.integration.test_complaint_cases import crm_stack, deliver, sync
from tests.integration.test_complaints import complaint
from tests.integration.test_routing import hot
from tests.integration.test_score_handler import capture_hot_leads, score


@pytest.mark.parametrize("name", ["salesforce", "hubspot"])
def test_a_task_s_owner_routes_the_contact_s_next_complaint(name: str, tmp_path: Path) -> None:
    with crm_stack(name, tmp_path) as crm:
        stack = crm.stack
        captured = capture_hot_leads(stack)
        stack.send("ResolveQueue", [identify(1, user="4004", contact=crm.contact)])
        stack.rt.drain()
        score(stack, hot("4004", [ANA, ANA, ANA], contact=crm.contact))
        (lead,) = [json.loads(raw)["detail"] for raw in stack.take(captured)]
        assert lead["owner"] == {"type": "seller", "id": "s-ana"}  # no CRM owner known yet

        sync(stack)  # opens the hot-lead task, reading the contact's owner

        (link,) = stack.scan("IdentitiesTable")
        owner = crm.owner()
        assert link["owner_id"] == owner
        deliver(stack, complaint("evt-c1"))
        (event,) = [json.loads(raw) for raw in stack.take(captured)]
        assert event["detail-type"] == "Complaint"
        assert event["detail"]["owner"] == {"type": "crm_owner", "id": owner}
