"""Poison stays alone on moto: in a batch of ten, the one message a stage cannot pass on fails
(reported in batchItemFailures, then the DLQ) while the other nine go on. Here what only AWS can
tell: a seller registered with a character SQS refuses (the one message credited to it is
refused by SQS alone), and a pack of ten split down to the message whose post id X calls
invalid, which alone reaches the DLQ. The rules (identifiers too long for a key refused by the
message models and by ingest, ids X refuses looked up again without them) are proven in memory:
tests/unit/test_poison_alone_rules.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from pydantic import BaseModel

from socialscore.aws.sqs import pack
from socialscore.domain.messages import Rehydrated, Resolved
from tests.integration.support import (
    OTHER_AUTHOR,
    POST_A,
    POST_B,
    Stack,
    interaction,
    rehydrated,
    sqs_event,
)
from tests.integration.test_rehydrate_x import OTHER, TARGET, posts, x_provider
from tests.stubs.x_api_stub import XApiStub
from tests.unit.test_poison_alone_rules import POISON, failures, poison_logged

# What test_poison_alone_score takes from here, with invoke and log_of.
__all__ = ["POISON", "failures", "invoke", "log_of", "poison_logged"]


def invoke(
    stack: Stack, function: str, queue: str, messages: Sequence[BaseModel | str]
) -> tuple[dict[str, Any], list[str]]:
    """One Lambda batch straight to the handler; returns its answer and the message ids."""
    event = sqs_event(messages, stack.queue_arn(queue))
    return stack.rt.invoke(function, event), [r["messageId"] for r in event["Records"]]


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


def x_batch() -> list[Any]:
    messages = [interaction(n, actor=f"u{n}", post=(TARGET, OTHER)[n % 2]) for n in range(10)]
    messages[POISON] = messages[POISON].model_copy(update={"target_post": "x#abc"})
    return messages


def score_queue(stack: Stack) -> dict[str, Resolved]:
    out = {}
    for raw in stack.take("ScoreQueue"):
        message = Resolved.model_validate_json(raw)
        out[message.interaction.interaction_id] = message
    return out


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
