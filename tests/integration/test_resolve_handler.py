"""resolve on moto: actors to contacts (identity links), post authors to credited sellers."""

from __future__ import annotations

from datetime import UTC, datetime

from socialscore.domain.interaction import Kind
from socialscore.domain.messages import Resolved
from tests.integration.support import (
    ANA,
    BEN,
    POST_A,
    POST_B,
    SELLER_FOLLOWED,
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


def test_identify_and_interaction_in_one_batch(stack: Stack) -> None:
    stack.send(
        "ResolveQueue",
        [rehydrated(1, actor="u1", post=POST_B), identify(1, user="u1", contact="C-1")],
    )

    stack.poll(FN)

    assert resolved(stack)["iid-1"].contact_id == "C-1"


def test_without_identify_the_profile_is_anonymous(stack: Stack) -> None:
    stack.send("ResolveQueue", [identify(1, user="u1", contact="C-1")])
    stack.poll(FN)

    stack.send(
        "ResolveQueue",
        [rehydrated(1, actor="u1", post=POST_B), rehydrated(2, actor="u2", post=POST_B)],
    )
    stack.poll(FN)

    out = resolved(stack)
    assert out["iid-1"].contact_id == "C-1"
    assert out["iid-2"].contact_id is None
    assert out["iid-2"].interaction.actor_key == "x#u2"


def test_seller_whose_post_earned_the_interaction_is_credited(stack: Stack) -> None:
    stack.send(
        "ResolveQueue",
        [
            rehydrated(1, actor="u1", post=POST_A),  # by s-ana
            rehydrated(2, actor="u1", post=POST_B),  # by a non-seller
            rehydrated(3, kind=Kind.FOLLOW, actor="u1", post=None, followed=SELLER_FOLLOWED),
        ],
    )

    stack.poll(FN)

    out = resolved(stack)
    assert out["iid-1"].seller == ANA
    assert (out["iid-1"].seller.seller_id, out["iid-1"].seller.team) == ("s-ana", "enterprise")
    assert out["iid-2"].seller is None
    assert out["iid-3"].seller == BEN
    assert out["iid-1"].target is not None
    assert out["iid-1"].target.post_id == POST_A  # rehydrated facts travel on


def test_identify_writes_the_identity_link(stack: Stack) -> None:
    stack.send("ResolveQueue", [identify(7, user="u1", contact="C-1", at="2026-11-01T09:00:00Z")])

    stack.poll(FN)

    links = stack.by_key("IdentitiesTable", "identity")
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


def test_an_older_identify_replayed_after_a_newer_one_does_not_overwrite_it(stack: Stack) -> None:
    older = identify(1, user="u1", contact="C-old", at="2026-11-01T09:00:00Z")
    newer = identify(2, user="u1", contact="C-new", at="2026-11-02T09:00:00Z")
    stack.send("ResolveQueue", [older])
    stack.poll(FN)
    stack.send("ResolveQueue", [newer])
    stack.poll(FN)
    stack.send("ResolveQueue", [older])  # a late retry of the first delivery
    stack.poll(FN)

    link = stack.by_key("IdentitiesTable", "identity")["x#u1"]
    assert link["contact_id"] == "C-new"
    assert link["source_event"] == "smms:evt-id-2"

    stack.send("ResolveQueue", [rehydrated(1, actor="u1", post=POST_B)])
    stack.poll(FN)
    assert resolved(stack)["iid-1"].contact_id == "C-new"


def test_identify_times_in_other_offsets_compare_as_instants(stack: Stack) -> None:
    # 10:30+02:00 is 08:30Z: older than 09:00Z although it sorts after it as text.
    newer = identify(1, user="u1", contact="C-new", at="2026-11-01T09:00:00Z")
    older = identify(2, user="u1", contact="C-old", at="2026-11-01T10:30:00+02:00")
    stack.send("ResolveQueue", [newer])
    stack.poll(FN)
    stack.send("ResolveQueue", [older])
    stack.poll(FN)

    assert stack.by_key("IdentitiesTable", "identity")["x#u1"]["contact_id"] == "C-new"


def test_a_newer_identify_relinks(stack: Stack) -> None:
    stack.send("ResolveQueue", [identify(1, user="u1", contact="C-old", at="2026-11-01T09:00:00Z")])
    stack.poll(FN)
    stack.send("ResolveQueue", [identify(2, user="u1", contact="C-new", at="2026-11-03T09:00:00Z")])
    stack.poll(FN)

    assert stack.by_key("IdentitiesTable", "identity")["x#u1"]["contact_id"] == "C-new"


def test_poison_message_fails_alone(stack: Stack) -> None:
    stack.send("ResolveQueue", [rehydrated(1, post=POST_B), "[]"])

    stack.poll(FN)

    assert set(resolved(stack)) == {"iid-1"}
    assert stack.rt.depth("ResolveQueue") == 1  # back for another delivery, then the DLQ
