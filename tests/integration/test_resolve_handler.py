"""resolve on moto: an identify then an act through the real queues and tables, and the link's
item in the identities table with its by_contact index. The rules (anonymous profiles, credited
sellers, the newest link winning whatever the order or offset, poison failing alone) are proven
in memory through the handler: tests/unit/test_resolve_rules.py."""

from __future__ import annotations

from datetime import UTC, datetime

from socialscore.domain.messages import Resolved
from tests.integration.support import (
    POST_B,
    Stack,
    identify,
    rehydrated,
)

FN = "ResolveFunction"


def resolved(stack: Stack) -> dict[str, Resolved]:
    """Resolved messages on the score queue, by interaction id (consumed)."""
    out = {}
    for raw in stack.take("ScoreQueue"):
        message = Resolved.model_validate_json(raw)
        out[message.interaction.interaction_id] = message
    return out


def test_identify_then_interaction_carries_the_contact_id(stack: Stack) -> None:
    stack.send("ResolveQueue", [identify(1, user="u1", contact="C-1")])
    stack.poll(FN)
    assert resolved(stack) == {}  # an identify is recorded, not scored

    stack.send("ResolveQueue", [rehydrated(1, actor="u1", post=POST_B)])
    stack.poll(FN)

    (message,) = resolved(stack).values()
    assert message.contact_id == "C-1"
    assert message.interaction.actor_id == "u1"
    assert message.seller is None  # POST_B's author is no seller


def test_identify_writes_the_identity_link(stack: Stack) -> None:
    stack.send("ResolveQueue", [identify(7, user="u1", contact="C-1", at="2026-11-01T09:00:00Z")])

    stack.poll(FN)

    stored = stack.by_key("IdentitiesTable", "identity")
    links = {k: v for k, v in stored.items() if "contact_id" in v}  # not the contact's set
    assert set(links) == {"x#u1"}
    link = links["x#u1"]
    assert link["contact_id"] == "C-1"
    assert link["consent_basis"] == "opt_in"
    assert datetime.fromisoformat(link["linked_at"]) == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert link["source_event"] == "smms:evt-id-7"
    by_contact = stack.rt.client("dynamodb").query(
        TableName=stack.table("IdentitiesTable"),
        IndexName="by_contact",
        KeyConditionExpression="contact_id = :c",
        ExpressionAttributeValues={":c": {"S": "C-1"}},
    )
    assert [i["identity"]["S"] for i in by_contact["Items"]] == ["x#u1"]
