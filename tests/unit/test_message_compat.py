"""A rolling deploy sends no message to a DLQ: while CloudFormation updates the functions one by
one, a stage still on the previous version reads what the next version wrote (fields it does not
know yet), and a stage on the next version reads what is still queued from the previous one
(fields since removed). Every message is read by the parse the handlers use (aws.batch.read
with the stage's adapter), packed as a stage sends it, and alone as a split pack resends it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, TypeAdapter

from socialscore.aws import batch
from socialscore.aws.sqs import pack
from socialscore.domain.acts import act
from socialscore.domain.interaction import (
    Answered,
    Category,
    ConsentBasis,
    Erase,
    Identify,
    Interaction,
    Kind,
    Network,
    OwnWords,
    PostDeleted,
    Retraction,
)
from socialscore.domain.messages import (
    REHYDRATE_MESSAGE,
    RESOLVE_MESSAGE,
    SCORE_MESSAGE,
    Rehydrated,
    RehydrateMessage,
    ResolveMessage,
    ScoreMessage,
    Seller,
)
from socialscore.domain.post import PostFacts

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
# What every release wrote, kept as it wrote it: each later release must read them all.
WRITTEN = Path(__file__).with_name("message_compat_samples.json")
SECRET = "we are evaluating vendors, call me at 555-0100"

REPLY = Interaction(
    interaction_id="a" * 32,
    source="smms",
    network=Network.X,
    kind=Kind.COMMENT,
    category=Category.ORGANIC,
    actor_id="1001",
    target_post="x#2100000000000000001",
    target_permalink="https://x.com/brandco/status/2100000000000000001",
    own_post="x#2100000000000000002",
    target_author_id="42",
    target_created_at=NOW,
    tags=["employee"],
    own_words=OwnWords(model_version="2026-10", intent_hits=["pricing"]),
    occurred_at=NOW,
)
IDENTIFY = Identify(
    event_id="idn-1",
    source="smms",
    network=Network.X,
    network_user_id="1001",
    contact_id="003XYZ",
    consent_basis=ConsentBasis.OPT_IN,
    owner_id="005OWNER",
    occurred_at=NOW,
)
DELETED = PostDeleted(source="x", post="x#2100000000000000002", occurred_at=NOW)
REHYDRATED = Rehydrated(
    interaction=REPLY,
    target=PostFacts(
        network=Network.X,
        post_id="2100000000000000001",
        author_id="42",
        created_at=NOW,
        referenced_post_id="2099",
        conversation_id="2100000000000000001",
        author_followers=1200,
    ),
    intent_hits=["pricing"],
    complaint_hits=["still broken"],
    actor_followers=350,
)
RESOLVED = REHYDRATED.resolved("003XYZ", Seller(seller_id="ana", team="emea"))
UNLIKE = Retraction.of(
    act("x", Network.X, Kind.LIKE, "1001", NOW, target_post_id="2100000000000000001")
)
ERASE = Erase(event_id="era-1", source="smms", contact_id="003XYZ", occurred_at=NOW)
ANSWERED = Answered(event_id="ans-1", source="x", post="x#2100000000000000002", occurred_at=NOW)

STAGES: dict[str, tuple[TypeAdapter[Any], Any, list[BaseModel]]] = {
    "rehydrate": (REHYDRATE_MESSAGE, RehydrateMessage, [REPLY, IDENTIFY, DELETED]),
    "resolve": (RESOLVE_MESSAGE, ResolveMessage, [REHYDRATED, IDENTIFY, DELETED]),
    "score": (SCORE_MESSAGE, ScoreMessage, [RESOLVED, UNLIKE, DELETED, ERASE, ANSWERED]),
}


def sqs_event(*bodies: str) -> dict[str, Any]:
    """The records Lambda hands a stage: the bodies as SQS delivered them."""
    return {
        "Records": [
            {"messageId": f"m{n}", "body": body, "messageAttributes": {}}
            for n, body in enumerate(bodies)
        ]
    }


def read(stage: str, *bodies: str) -> list[Any]:
    """What the stage's handler gets to work on; no message may be poison."""
    adapter, _, _ = STAGES[stage]
    received = batch.read(sqs_event(*bodies), adapter)
    assert not received.poison
    return [m.message for m in received.messages]


def with_unknown_fields(value: Any) -> Any:
    """The JSON as a next version might write it: a field this version does not know in every
    object, nested ones included (the interaction, its own words, the post facts, the seller)."""
    if isinstance(value, dict):
        more = {k: with_unknown_fields(v) for k, v in value.items()}
        return more | {"added_in_next_version": {"nested": [1, "two"]}, "note": SECRET}
    if isinstance(value, list):
        return [with_unknown_fields(v) for v in value]
    return value


def test_every_message_a_queue_carries_has_a_sample() -> None:
    """A new kind of message must come with a sample here, so that the tests below read it."""
    for _, union, samples in STAGES.values():
        assert {type(s) for s in samples} == set(get_args(union))


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_message_from_the_next_version_is_read_by_every_stage(stage: str) -> None:
    _, _, samples = STAGES[stage]
    bodies = [json.dumps(with_unknown_fields(json.loads(s.model_dump_json()))) for s in samples]

    assert read(stage, pack(bodies)) == samples  # a pack, as a stage sends a webhook's messages
    assert read(stage, *bodies) == samples  # each alone, as a split pack sends them back


@pytest.mark.parametrize("stage", list(STAGES))
def test_what_a_stage_passes_on_holds_none_of_the_unknown_fields(
    stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read, an unknown field goes no further: the message a stage sends on (or the ledger
    entry it writes) is built from the fields it knows, and nothing logs the unknown ones."""
    _, _, samples = STAGES[stage]
    bodies = [json.dumps(with_unknown_fields(json.loads(s.model_dump_json()))) for s in samples]

    for message in read(stage, pack(bodies)):
        passed_on = message.model_dump_json()
        assert "added_in_next_version" not in passed_on
        assert SECRET not in passed_on
    assert SECRET not in capsys.readouterr().out


def test_a_score_message_still_queued_from_the_previous_version_is_read() -> None:
    """0.1.0 wrote `by_seller` on a resolved message whose actor was a seller (removed when a
    seller's reply became an `answered` message); one still queued is scored, not poison."""
    previous = json.loads(RESOLVED.model_dump_json()) | {"by_seller": True}

    [message] = read("score", json.dumps(previous))

    assert message == RESOLVED


def test_every_message_a_release_wrote_is_read() -> None:
    """Each release's messages, as it wrote them, are read by this one and every later one: a
    field a release adds has a default, so the messages queued before it stay readable."""
    written: dict[str, dict[str, list[dict[str, Any]]]] = json.loads(WRITTEN.read_text())
    assert written, "no release's messages recorded"
    for release, stages in written.items():
        for stage, messages in stages.items():
            found = read(stage, *(json.dumps(m) for m in messages))
            assert [m.type for m in found] == [m["type"] for m in messages], release


def test_a_known_field_with_a_bad_value_is_still_poison() -> None:
    """Reading unknown fields loosens nothing else: a value this version cannot hold (a kind
    of act or a type of message it does not know) still fails, with its field named."""
    like = json.loads(act("x", Network.X, Kind.LIKE, "1001", NOW).model_dump_json())
    bodies = [
        json.dumps(like | {"kind": "bookmark"}),
        json.dumps(like | {"type": "bookmarked", "added_in_next_version": 1}),
        json.dumps(like | {"actor_id": "@handle"}),
    ]

    received = batch.read(sqs_event(*bodies), REHYDRATE_MESSAGE)

    assert received.messages == []
    assert list(received.poison) == ["m0", "m1", "m2"]
