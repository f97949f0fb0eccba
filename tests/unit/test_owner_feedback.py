"""The CRM's owner comes back, in memory: when crm_sync opens a hot-lead task it reads the
contact's owner, keeps it with the contact's links, and the contact's next complaint is routed to
that owner. The score stage and crm_sync on the fakes (tests/unit/score_world.py), the CRM a
MemoryCrm on each CRM's path reporting the owner as the adapters read it when opening the task
(their reads against the stubs: test_salesforce.py, test_hubspot.py). Moved from
tests/integration/test_owner_feedback.py (the same sequence on moto and the CRM stubs)."""

from __future__ import annotations

import pytest

from socialscore_local.memory.crm import MemoryCrm
from tests.integration.support import ANA
from tests.integration.test_routing import hot
from tests.unit.score_world import ScoreWorld
from tests.unit.test_complaint_case_runs import ACTOR, CONTACT, Runs, act

OWNER = "005000000000000077"


@pytest.mark.parametrize("path", ["salesforce", "hubspot"])
def test_a_task_s_owner_routes_the_contact_s_next_complaint(path: str) -> None:
    w = ScoreWorld()
    runs = Runs(w, MemoryCrm([], path=path, owners={CONTACT: OWNER}))
    runs.link()
    runs.deliver(*hot(ACTOR, [ANA, ANA, ANA], contact=CONTACT))
    [(_, lead)] = w.bus.events
    assert lead["owner"] == {"type": "seller", "id": "s-ana"}  # no CRM owner known yet
    w.bus.events.clear()

    runs.sync()  # opens the hot-lead task, reading the contact's owner

    [link] = w.links.items.values()
    assert link["owner_id"] == OWNER
    runs.deliver(act(1, CONTACT))
    [(detail_type, event)] = w.bus.events
    assert detail_type == "Complaint"
    assert event["owner"] == {"type": "crm_owner", "id": OWNER}
