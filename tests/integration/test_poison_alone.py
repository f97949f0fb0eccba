"""Poison stays alone: in a batch of ten, the one message a stage cannot store or look up fails
(reported in batchItemFailures, logged with its message id and why, then the DLQ) while the
other nine go on, at every stage.

Two ways a message is poison: an identifier too long for a DynamoDB key, refused by the message
models before anything is written (and by ingest with a 400); and what only the write or the
call can tell (a key from the seller registry, an item over 400 KB, an id X calls invalid),
isolated by splitting the batch or calling again without the id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from pydantic import BaseModel

from socialscore.aws.sqs import pack
from socialscore.domain import scoring_model
from socialscore.domain.aggregates import COUNTER_SHARDS, PostCounter, ProfileTotal
from socialscore.domain.interaction import Category, Kind, Network, post_key
from socialscore.domain.limits import (
    KEY_PART_MAX_BYTES,
    PARTITION_KEY_MAX_BYTES,
    SORT_KEY_MAX_BYTES,
)
from socialscore.domain.messages import Rehydrated, Resolved
from socialscore.domain.touch import dedupe_key
from socialscore.store.ledger import marker_key
from socialscore.store.scores import item_key
from tests.integration.support import (
    OTHER_AUTHOR,
    POST_A,
    POST_B,
    Stack,
    identify,
    interaction,
    permalink,
    rehydrated,
    sqs_event,
)
from tests.integration.test_rehydrate_x import OTHER, TARGET, posts, x_provider
from tests.stubs.x_api_stub import XApiStub

LONG_POST_KEY = "x#" + "1" * 1100  # a sort key holds 1,024 bytes: the ledger's once-key could not
POISON = 4  # the batch position of the poison message


def invoke(
    stack: Stack, function: str, queue: str, messages: Sequence[BaseModel | str]
) -> tuple[dict[str, Any], list[str]]:
    """One Lambda batch straight to the handler; returns its answer and the message ids."""
    event = sqs_event(messages, stack.queue_arn(queue))
    return stack.rt.invoke(function, event), [r["messageId"] for r in event["Records"]]


def failures(*message_ids: str) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in message_ids]}


@contextmanager
def log_of(stack: Stack, function: str) -> Iterator[list[dict[str, Any]]]:
    """The records a function logs meanwhile at any level, each as its attributes (its extras
    included)."""
    stack.rt.handler(function)  # the handler's import makes its service's logger
    kept: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record.__dict__ | {"message": record.getMessage()})

    service = logging.getLogger(stack.rt.function_environment(function)["POWERTOOLS_SERVICE_NAME"])
    keep = Keep()
    level = service.level
    service.setLevel(logging.DEBUG)  # every line, the stack's LogLevel (ERROR) whatever
    service.addHandler(keep)
    try:
        yield kept
    finally:
        service.removeHandler(keep)
        service.setLevel(level)


def lines(log: list[dict[str, Any]], message: str) -> list[dict[str, Any]]:
    return [line for line in log if line["message"] == message]


def poison_logged(log: list[dict[str, Any]], message_id: str, field: str) -> None:
    """The parse refused it: the line names the message, the field and the key limit."""
    [line] = lines(log, "will retry: poison message")  # a first delivery: SQS tries again
    assert line["message_id"] == message_id
    [error] = line["errors"]
    assert error["loc"][-1] == field
    assert f"part of a DynamoDB key, it may take {KEY_PART_MAX_BYTES:,}" in error["msg"]


def with_target_post(message: Rehydrated, key: str) -> Rehydrated:
    return message.model_copy(
        update={"interaction": message.interaction.model_copy(update={"target_post": key})}
    )


# --- the check itself ------------------------------------------------------------------------
def test_the_longest_identifier_a_message_may_carry_fits_every_key_the_stores_make_of_it() -> None:
    model = scoring_model.bundled()
    longest = "9" * KEY_PART_MAX_BYTES
    for network in Network:
        post = post_key(network, longest)
        for kind in Kind:
            key = dedupe_key(kind, post, longest, model)
            assert len(key.encode()) <= SORT_KEY_MAX_BYTES, (network, kind)
        for partition in (
            item_key(PostCounter(post, COUNTER_SHARDS - 1)),
            *(item_key(ProfileTotal(longest, c)) for c in Category),  # an identity erased
            marker_key(post)[0],
        ):
            assert len(partition.encode()) <= PARTITION_KEY_MAX_BYTES


# --- ingest: the whole webhook is refused, naming the field ----------------------------------
def like(n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": f"evt-like-{n}",
        "network": "x",
        "kind": "like",
        "actor_id": f"70{n}",
        "target_permalink": permalink(POST_A),
        "occurred_at": "2026-11-22T07:59:00Z",
    } | overrides


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"target_permalink": f"{permalink(POST_A)}?s={'2' * 2100}"}, "target_permalink"),
        ({"target_permalink": f"https://x.com/i/web/status/{'1' * 1100}"}, None),
        ({"id": "evt-" + "9" * 1100}, "id"),
        ({"actor_id": "7" * 1100}, "actor_id"),
    ],
    ids=["permalink", "post-id-in-a-permalink", "event-id", "actor-id"],
)
def test_ingest_never_queues_an_identifier_too_long_for_a_key(
    stack: Stack, overrides: dict[str, Any], field: str | None
) -> None:
    """Ingest answers a webhook whole: a 400 naming the field, and nothing queued. A post id
    longer than any network's is no post id: the link is not read as one (rehydrate drops it as
    unparseable), so no key is ever made of it."""
    events = [like(n) for n in range(10)]
    events[POISON] |= overrides

    answer = stack.webhook(events)

    if field is None:
        assert answer.status == 202
        bodies = [json.loads(b) for b in stack.take("RehydrateQueue")]
        assert len(bodies) == 10
        assert all(len(b.get("target_post") or "") < 100 for b in bodies)
        return
    assert answer.status == 400, answer.body
    assert f"events.{POISON}.{field}" in [f["field"] for f in answer.json()["fields"]]
    assert stack.rt.depth("RehydrateQueue") == 0


# --- rehydrate -------------------------------------------------------------------------------
def forwarded(stack: Stack) -> dict[str, Rehydrated]:
    out = {}
    for raw in stack.take("ResolveQueue"):
        message = Rehydrated.model_validate_json(raw)
        out[message.interaction.interaction_id] = message
    return out


def test_rehydrate_fails_only_the_message_whose_post_key_is_too_long(stack: Stack) -> None:
    messages = [interaction(n, actor=f"u{n}", post=(POST_A, POST_B)[n % 2]) for n in range(10)]
    messages[POISON] = messages[POISON].model_copy(update={"target_post": LONG_POST_KEY})

    with log_of(stack, "RehydrateFunction") as log:
        answer, mids = invoke(stack, "RehydrateFunction", "RehydrateQueue", messages)

    assert answer == failures(mids[POISON])
    assert set(forwarded(stack)) == {f"iid-{n}" for n in range(10) if n != POISON}
    assert {f"x#{POST_A}", f"x#{POST_B}"} <= set(stack.by_key("PostCacheTable", "post"))
    poison_logged(log, mids[POISON], "target_post")


def x_batch() -> list[Any]:
    messages = [interaction(n, actor=f"u{n}", post=(TARGET, OTHER)[n % 2]) for n in range(10)]
    messages[POISON] = messages[POISON].model_copy(update={"target_post": "x#abc"})
    return messages


@pytest.mark.parametrize("names", [True, False], ids=["x-names-the-id", "x-names-no-id"])
def test_rehydrate_fails_only_the_message_whose_post_id_x_calls_invalid(
    start_stack: Callable[..., AbstractContextManager[Stack]], names: bool
) -> None:
    with (
        XApiStub(posts=posts(), names_invalid_ids=names) as x,
        x_provider(start_stack, x) as stack,
    ):
        with log_of(stack, "RehydrateFunction") as log:
            answer, mids = invoke(stack, "RehydrateFunction", "RehydrateQueue", x_batch())

        assert answer == failures(mids[POISON])
        out = forwarded(stack)
        assert set(out) == {f"iid-{n}" for n in range(10) if n != POISON}
        assert {m.target.author_id for m in out.values() if m.target} == {"1001", "2002"}
        answered = [i for ids, status in zip(x.requests, x.statuses, strict=True) if status == 200
                    for i in ids]  # fmt: skip
        assert x.statuses[0] == 400
        assert sorted(answered) == sorted([OTHER, TARGET])
        assert {f"x#{TARGET}", f"x#{OTHER}"} == set(stack.by_key("PostCacheTable", "post"))
    [line] = lines(log, "will retry: post_id_refused")
    assert (line["message_id"], line["interaction_id"], line["reason"]) == (
        mids[POISON],
        f"iid-{POISON}",
        "post_id_refused",
    )


def test_a_post_id_x_calls_invalid_reaches_the_dlq_alone(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with XApiStub(posts=posts()) as x, x_provider(start_stack, x) as stack:
        stack.send("RehydrateQueue", x_batch())

        batches = 0
        while stack.poll("RehydrateFunction"):
            batches += 1
            assert batches < 20

        assert set(forwarded(stack)) == {f"iid-{n}" for n in range(10) if n != POISON}
        [dead] = stack.take("RehydrateDLQ")
        assert json.loads(dead)["interaction_id"] == f"iid-{POISON}"


# --- resolve ---------------------------------------------------------------------------------
def score_queue(stack: Stack) -> dict[str, Resolved]:
    out = {}
    for raw in stack.take("ScoreQueue"):
        message = Resolved.model_validate_json(raw)
        out[message.interaction.interaction_id] = message
    return out


def test_resolve_fails_only_the_message_whose_post_key_is_too_long(stack: Stack) -> None:
    messages: list[BaseModel] = [rehydrated(n, actor=f"u{n}") for n in range(9)]
    messages.insert(POISON, with_target_post(rehydrated(9, actor="u9"), LONG_POST_KEY))
    messages[0] = identify(1, user="u1", contact="C-1")

    with log_of(stack, "ResolveFunction") as log:
        answer, mids = invoke(stack, "ResolveFunction", "ResolveQueue", messages)

    assert answer == failures(mids[POISON])
    assert set(score_queue(stack)) == {f"iid-{n}" for n in range(1, 9)}
    assert stack.by_key("IdentitiesTable", "identity")["x#u1"]["contact_id"] == "C-1"
    poison_logged(log, mids[POISON], "target_post")


def test_resolve_fails_only_the_message_the_score_queue_refuses(stack: Stack) -> None:
    """A seller registered with a character SQS does not carry: the one message credited to it
    cannot be forwarded; SQS refuses that entry alone, and only its message fails."""
    stack.rt.client("dynamodb").put_item(
        TableName=stack.table("SellersTable"),
        Item={
            "identity": {"S": f"x#{OTHER_AUTHOR}"},
            "seller_id": {"S": "s-odd"},
            "team": {"S": "smb\uffff"},
        },
    )
    messages = [rehydrated(n, actor=f"u{n}", post=POST_A) for n in range(10)]
    messages[POISON] = rehydrated(POISON, actor=f"u{POISON}", post=POST_B)

    answer, mids = invoke(stack, "ResolveFunction", "ResolveQueue", messages)

    assert answer == failures(mids[POISON])
    assert set(score_queue(stack)) == {f"iid-{n}" for n in range(10) if n != POISON}


def test_a_pack_with_one_refused_post_id_is_split_and_only_that_message_reaches_the_dlq(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    """The batch of ten as one pack (one SQS message, as ingest sends a webhook's events):
    the pack is done once its nine are forwarded, the tenth goes back alone, then to the DLQ."""
    with XApiStub(posts=posts()) as x, x_provider(start_stack, x) as stack:
        stack.send("RehydrateQueue", [pack([m.model_dump_json() for m in x_batch()])])

        batches = 0
        while stack.poll("RehydrateFunction"):
            batches += 1
            assert batches < 20

        out = [Rehydrated.model_validate_json(b) for b in stack.take("ResolveQueue")]
        # Each of the nine once: the split pack is not run again.
        assert sorted(m.interaction.interaction_id for m in out) == sorted(
            f"iid-{n}" for n in range(10) if n != POISON
        )
        [dead] = stack.take("RehydrateDLQ")
        assert json.loads(dead)["interaction_id"] == f"iid-{POISON}"
