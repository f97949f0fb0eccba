"""Hot leads name their owner on the bus: the contact's CRM owner that the SMMS's identify event
gave, from the webhook to EventBridge, each event naming its stack. Else the seller whose posts
earned the most of the profile's touches, else the queue: in memory,
tests/unit/test_hot_lead_owners.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from socialscore.domain.interaction import Kind
from socialscore.domain.messages import Resolved, Seller
from socialscore.domain.scoring_model import bundled
from tests.integration.support import ANA, POST_A, POST_B, REPLY, Stack, resolved
from tests.integration.test_score_handler import capture_hot_leads, score

MODEL = bundled()
BEN = Seller(seller_id="s-ben", team="enterprise")
NOW = datetime.now(UTC)


def hot(actor: str, sellers: list[Seller | None], contact: str | None = None) -> list[Resolved]:
    """Comments with intent by one actor, one on each seller's post: enough to make it hot."""
    return [
        resolved(
            f"{actor}-{n}",
            kind=Kind.COMMENT,
            actor=actor,
            post=POST_A if n % 2 else POST_B,
            own_post=f"{REPLY}{n}",
            intent_hits=["evaluating vendors"],
            contact=contact,
            seller=seller,
            at=NOW - timedelta(minutes=30 - n),
        )
        for n, seller in enumerate(sellers)
    ]


def owners(stack: Stack, captured: str) -> dict[str, dict[str, Any]]:
    events = [json.loads(raw) for raw in stack.take(captured)]
    # Each names its stack, which the template's delivery rules match on.
    assert all(e["resources"] == [stack.rt.parameters["AWS::StackId"]] for e in events)
    return {e["detail"]["profile"]: e["detail"]["owner"] for e in events}


def test_the_owner_is_the_crm_owner_the_identify_event_named(stack: Stack) -> None:
    captured = capture_hot_leads(stack)
    identify = {
        "type": "identify",
        "id": "evt-link-1",
        "network": "x",
        "network_user_id": "u1",
        "contact_id": "003C1",
        "consent_basis": "opt_in",
        "owner_id": "005OWNER1",
        "occurred_at": "2026-11-01T09:00:00Z",
    }
    assert stack.webhook([identify]).status == 202
    stack.rt.drain()
    (link,) = [i for i in stack.scan("IdentitiesTable") if "contact_id" in i]  # links only
    assert link["owner_id"] == "005OWNER1"

    # Linked again to the same contact by a source that names no owner: the owner stays.
    again = identify | {"id": "evt-link-2", "occurred_at": "2026-11-02T09:00:00Z"}
    del again["owner_id"]
    # The contact's second account, linked without one: the contact's owner all the same.
    second = again | {"id": "evt-link-3", "network_user_id": "u9"}
    assert stack.webhook([again, second]).status == 202
    stack.rt.drain()
    links = stack.by_key("IdentitiesTable", "identity")
    assert links["x#u1"]["owner_id"] == "005OWNER1"
    assert "owner_id" not in links["x#u9"]

    score(stack, hot("u1", [ANA, ANA, ANA], contact="003C1"))
    score(stack, hot("u9", [ANA, ANA, ANA], contact="003C1"))

    assert owners(stack, captured) == {
        "x#u1": {"type": "crm_owner", "id": "005OWNER1"},
        "x#u9": {"type": "crm_owner", "id": "005OWNER1"},
    }
