"""`socialscore erase`, `dlq` and `redrive` against a deployed stack (moto): an erasure queued as
ingest queues one; the DLQs' messages with the reasons the stages logged for them, read from
their log groups; and moved back, to be run again once the cause is gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.interaction import Category, Interaction, Kind, Network
from socialscore.domain.messages import Rehydrated, Resolved, Seller
from socialscore.domain.post import PostFacts
from socialscore.store import dynamo
from socialscore.store.identities import Identities
from socialscore_local import demo
from tests.ops.conftest import DeployedStack, deployed

CONTACT = "003A000008"  # a demo contact: one identity, scored
ANA = "217388624"  # a demo seller's X user id
AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TOO_OLD = "poison message: erase.occurred_at: Value error, must lie between 2006-03-21 and now"
TOO_LONG = (
    "poison message: erase.contact_id: Value error, is 1,100 bytes: part of a DynamoDB key, "
    "it may take 960"
)


@pytest.fixture
def traffic_stack(tmp_path: Path) -> Iterator[DeployedStack]:
    """The demo's data run through the pipeline, for a test that writes. (A module's stack,
    as demo_stack is, would share moto with the fresh stacks of the module's other tests.)"""
    with deployed(tmp_path / "traffic") as stack:
        yield stack


def profiles(stack: DeployedStack) -> set[str]:
    return {
        i["pk"]
        for i in dynamo.scan(stack.rt.table("ScoresTable"))
        if i["pk"].startswith("profile#")
    }


def outbox(stack: DeployedStack) -> list[dict[str, Any]]:
    lines = (stack.rt.workdir / "crm" / "outbox.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


# --- erase -----------------------------------------------------------------------------------
def test_an_erasure_removes_a_contact_s_or_an_identity_s_scores_on_the_next_run(
    traffic_stack: DeployedStack,
) -> None:
    rt = traffic_stack.rt
    identities = Identities(rt.table("IdentitiesTable"))
    [identity] = identities.identities_of(CONTACT)
    assert f"profile#{identity}#organic" in profiles(traffic_stack)

    answer = traffic_stack.socialscore("erase", CONTACT, "--json", "--yes")

    assert answer.code == 0, answer.err
    queued = answer.json()
    assert (queued["queue"], queued["contact_id"], queued["identity"]) == (
        "ScoreQueue",
        CONTACT,
        None,
    )
    [message] = rt.client("sqs").receive_message(
        QueueUrl=rt.queue_url("ScoreQueue"), VisibilityTimeout=0, MessageAttributeNames=["All"]
    )["Messages"]
    assert message["MessageId"] == queued["message_id"]
    assert json.loads(message["Body"]) | {"event_id": "-", "occurred_at": "-"} == {
        "type": "erase",
        "event_id": "-",
        "source": "ops",
        "contact_id": CONTACT,
        "identity": None,
        "occurred_at": "-",
    }
    assert message["MessageAttributes"]["correlation_id"]["StringValue"] == queued["correlation_id"]
    assert f"profile#{identity}#organic" in profiles(traffic_stack)  # queued, not done

    rt.drain()

    assert not {p for p in profiles(traffic_stack) if p.startswith(f"profile#{identity}#")}
    assert identities.identities_of(CONTACT) == []
    assert not [e for e in dynamo.scan(rt.table("LedgerTable")) if e.get("profile") == identity]
    demo.sync(rt, traffic_stack.as_of)
    assert {"type": "erased_contact", "contact_id": CONTACT} in outbox(traffic_stack)

    # One identity, still anonymous: its scores go, the rest stay.
    linked = {i for ids in identities.all_contacts().values() for i in ids}
    kept = profiles(traffic_stack)
    anonymous = sorted(
        {p.split("#")[2] for p in kept if p.startswith("profile#x#")}
        - {i.split("#")[1] for i in linked}
    )[0]
    mine = {p for p in kept if p.startswith(f"profile#x#{anonymous}#")}
    assert mine

    answer = traffic_stack.socialscore("erase", f"x#{anonymous}", "--yes")
    rt.drain()

    assert answer.code == 0, answer.err
    assert answer.out.startswith(f"Queued the erasure of identity x#{anonymous} (message ")
    assert profiles(traffic_stack) == kept - mine


def test_what_is_neither_a_contact_nor_an_identity_is_one_line_and_queues_nothing(
    fresh_stack: DeployedStack,
) -> None:
    # Each form refused is a unit test (tests/unit/test_erase_whom.py): here, the command's end.
    answer = fresh_stack.socialscore("erase", "x#@a_handle", "--yes")

    assert answer.code == 2
    [line] = answer.err.splitlines()
    assert line.startswith(
        ("socialscore: erase takes a contact id or x|", "socialscore: not a contact id: ")
    )
    assert "a_handle" not in line
    assert fresh_stack.rt.depth("ScoreQueue") == 0


# --- dlq and redrive -------------------------------------------------------------------------
def send(stack: DeployedStack, queue: str, body: str) -> str:
    attributes = {"correlation_id": {"DataType": "String", "StringValue": "webhook-7"}}
    sent = stack.rt.client("sqs").send_message(
        QueueUrl=stack.rt.queue_url(queue), MessageBody=body, MessageAttributes=attributes
    )
    return str(sent["MessageId"])


def erase(**fields: Any) -> str:
    message = {"type": "erase", "event_id": "e-1", "source": "test", "contact_id": "C-1"}
    return json.dumps(message | {"occurred_at": "2026-11-20T12:00:00Z"} | fields)


def like(actor: str) -> Interaction:
    return Interaction(
        interaction_id=f"iid-{actor}",
        source="smms",
        network=Network.X,
        kind=Kind.LIKE,
        category=Category.ORGANIC,
        actor_id=actor,
        target_post="x#2100000000000000009",
        occurred_at=AT,
    )


def reasons(stage: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {r["reason"]: (r["messages"], r["sample_message_id"]) for r in stage["reasons"]}


def test_dlq_lists_each_stage_s_messages_with_the_reasons_logged_for_them(
    fresh_stack: DeployedStack,
) -> None:
    rt = fresh_stack.rt
    too_old = send(fresh_stack, "ScoreQueue", erase(occurred_at="1999-01-01T00:00:00Z"))
    # A pack whose every message failed: in the DLQ as one message, logged as <id>#0, <id>#1.
    pack = send(
        fresh_stack,
        "ScoreQueue",
        f"[{erase(contact_id='9' * 1100)},{erase(contact_id='8' * 1100)}]",
    )
    too_long_seller = Seller(seller_id="s-" + "9" * 2100, team="smb")
    refused = send(
        fresh_stack,
        "ScoreQueue",
        Resolved(interaction=like("u1"), seller=too_long_seller).model_dump_json(),
    )
    # Logged as rehydrate logs it, at a level a quiet stack leaves out: written here.
    failed = send(fresh_stack, "RehydrateDLQ", like("u2").model_dump_json())
    group, stream = rt.physical["RehydrateLogGroup"]["Ref"], "2026/11/20/[$LATEST]test"
    line = {"level": "WARNING", "message": "failed", "message_id": f"{failed}#3"}
    logs = rt.client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[
            {
                "timestamp": int(datetime.now(UTC).timestamp() * 1000),
                "message": json.dumps(line | {"reason": "post_id_refused"}),
            }
        ],
    )
    rt.drain()
    assert rt.depth("ScoreDLQ") == 3

    answer = fresh_stack.socialscore("dlq", "--json")

    assert answer.code == 0, answer.err
    stages = {s["stage"]: s for s in answer.json()["stages"]}
    assert [(s["stage"], s["depth"], s["peeked"]) for s in stages.values()] == [
        ("rehydrate", 1, 1),
        ("resolve", 0, 0),
        ("score", 3, 3),
    ]
    assert reasons(stages["rehydrate"]) == {"failed: post_id_refused": (1, failed)}
    assert reasons(stages["resolve"]) == {}
    found = reasons(stages["score"])
    [store] = [r for r in found if r.startswith("refused by the store: ValidationException")]
    assert found == {TOO_OLD: (1, too_old), TOO_LONG: (1, pack), store: (1, refused)}
    # Looked at, not taken: the DLQ holds them all, visible, and a person reads the same.
    assert rt.depth("ScoreDLQ") == 3
    text = fresh_stack.socialscore("dlq")
    assert text.code == 0, text.err
    [row] = [line for line in text.out.splitlines() if TOO_OLD in line]
    assert row.split()[-2:] == ["1", too_old]
    assert "failed: post_id_refused" in text.out
    assert text.out.rstrip().endswith("Fix the cause, then: socialscore redrive STAGE")


def test_redrive_moves_a_dlq_back_to_its_queue(fresh_stack: DeployedStack) -> None:
    rt = fresh_stack.rt
    poison = send(fresh_stack, "ScoreQueue", erase(occurred_at="1999-01-01T00:00:00Z"))
    rt.drain()
    assert rt.depth("ScoreDLQ") == 1

    answer = fresh_stack.socialscore("redrive", "score", "--json")

    assert answer.code == 0, answer.err
    assert answer.json() == {"stage": "score", "moved": 1, "refused": 0, "left": 0}
    assert "redrive score [####################] 1/1" in answer.err
    assert (rt.depth("ScoreDLQ"), rt.depth("ScoreQueue")) == (0, 1)
    [back] = rt.client("sqs").receive_message(
        QueueUrl=rt.queue_url("ScoreQueue"), VisibilityTimeout=0, MessageAttributeNames=["All"]
    )["Messages"]
    assert back["Body"] == erase(occurred_at="1999-01-01T00:00:00Z")
    assert back["MessageAttributes"]["correlation_id"]["StringValue"] == "webhook-7"
    assert back["MessageId"] != poison  # a new message: SQS counts its receives afresh
    empty = fresh_stack.socialscore("redrive", "resolve")
    assert (empty.code, empty.out) == (0, "ResolveDLQ is empty: nothing to move\n")


def test_a_message_failed_for_a_cause_since_fixed_is_scored_after_redrive(
    fresh_stack: DeployedStack, tmp_path: Path
) -> None:
    """A seller registered (before the import's check) with a team SQS cannot carry: every
    message credited to it fails at resolve, which cannot forward it, and lands in the DLQ.
    Registered again, right, and redriven, the message is scored."""
    rt = fresh_stack.rt
    rt.client("dynamodb").put_item(
        TableName=rt.table("SellersTable"),
        Item={
            "identity": {"S": f"x#{ANA}"},
            "seller_id": {"S": "s-ana"},
            "team": {"S": "enterprise\uffff"},
        },
    )
    author = PostFacts(
        network=Network.X, post_id="2100000000000000009", author_id=ANA, created_at=AT
    )
    send(
        fresh_stack,
        "ResolveQueue",
        Rehydrated(interaction=like("u3"), target=author).model_dump_json(),
    )
    rt.drain()
    assert rt.depth("ResolveDLQ") == 1
    listed = {s["stage"]: s for s in fresh_stack.socialscore("dlq", "--json").json()["stages"]}
    assert [r["reason"] for r in listed["resolve"]["reasons"]] == ["not sent to the score queue"]

    fixed = tmp_path / "sellers.csv"
    fixed.write_text(f"network,network_user_id,seller_id,team\nx,{ANA},s-ana,enterprise\n")
    assert fresh_stack.socialscore("sellers", "import", str(fixed)).code == 0
    moved = fresh_stack.socialscore("redrive", "resolve", "--json")
    rt.drain()

    assert moved.json()["moved"] == 1
    assert rt.depth("ResolveDLQ") == 0
    ledger = [
        e for e in dynamo.scan(rt.table("LedgerTable")) if e.get("interaction_id") == "iid-u3"
    ]
    assert [(e["seller_id"], e["team"]) for e in ledger] == [("s-ana", "enterprise")]
    assert "profile#x#u3#organic" in profiles(fresh_stack)


@pytest.mark.parametrize(("typed", "queued"), [("yes\n", 1), ("n\n", 0), ("", 0)])
def test_erase_asks_first_and_queues_only_on_yes(
    fresh_stack: DeployedStack, typed: str, queued: int
) -> None:
    answer = fresh_stack.socialscore("erase", "C-7", typed=typed)
    assert "Erase contact C-7: its touches, scores and identity links are deleted" in answer.err
    assert answer.code == (0 if queued else 1)
    if not queued:
        assert answer.out == "nothing erased\n"
    if not typed:
        assert "pass --yes to erase without asking" in answer.err
    attributes = fresh_stack.rt.client("sqs").get_queue_attributes(
        QueueUrl=fresh_stack.rt.queue_url("ScoreQueue"),
        AttributeNames=["ApproximateNumberOfMessages"],
    )["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) == queued
