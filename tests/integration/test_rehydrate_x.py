"""rehydrate with POST_PROVIDER=x: the real handler on moto, the X API stub on 127.0.0.1.

The whole path with X: three posts from one call, their facts in the post cache table; server
errors that last take the record to the DLQ after the queue's maxReceiveCount; a record put off
too often fails while its batch-mate goes back delayed on SQS. The rules (compliance drops, the
cache, 429s deferred to the reset, 5xx failing only what needs X, coalescing, post text never
written) are proven in memory: tests/unit/test_rehydrate_x_rules.py, test_rehydrate_privacy.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from pydantic import TypeAdapter

from socialscore.domain.interaction import Identify, Kind, PostDeleted
from socialscore.domain.messages import Rehydrated
from tests.integration.support import Stack, interaction, sqs_event
from tests.stubs.x_api_stub import XApiStub, post

FN = "RehydrateFunction"
FORWARDED: TypeAdapter[Any] = TypeAdapter(Rehydrated | Identify | PostDeleted)
SELLER = "1001"  # s-ana in the integration world
TARGET = "2200000000000000001"
OTHER = "2200000000000000002"
REPLY = "2200000000000000003"
PROTECTED = "2200000000000000008"
SECRET_WORDS = "Zanzibar-quokka-7731"  # appears in posts' text only
REPLY_TEXT = f"{SECRET_WORDS}: we are evaluating vendors, send PRICING please"


def posts() -> dict[str, dict[str, Any]]:
    return {
        TARGET: post(SELLER, text=f"Launch day {SECRET_WORDS}"),
        OTHER: post("2002", text=f"Other {SECRET_WORDS}"),
        REPLY: post("3003", text=REPLY_TEXT, replied_to=TARGET, conversation_id=TARGET),
        PROTECTED: post("4004", text=f"Private {SECRET_WORDS}"),
    }


XStack = tuple[Stack, XApiStub]


@pytest.fixture
def x_stack(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> Iterator[XStack]:
    with XApiStub(posts=posts(), protected={PROTECTED}) as x, x_provider(start_stack, x) as s:
        yield s, x


@contextmanager
def x_provider(
    start_stack: Callable[..., AbstractContextManager[Stack]], x: XApiStub, **env: str
) -> Iterator[Stack]:
    env = {"POWERTOOLS_LOG_LEVEL": "INFO"} | env
    with start_stack(POST_PROVIDER="x", X_API_BASE_URL=x.url, **env) as s:
        s.rt.client("secretsmanager").put_secret_value(
            SecretId=s.rt.physical["XApiCredentials"]["Ref"],
            SecretString=json.dumps({"bearer_token": x.token}),
        )
        yield s


def forwarded(stack: Stack) -> dict[str, Any]:
    out = {}
    for raw in stack.take("ResolveQueue"):
        message = FORWARDED.validate_json(raw)
        key = message.interaction.interaction_id if isinstance(message, Rehydrated) else raw
        out[key] = message
    return out


def delayed(stack: Stack) -> int:
    attributes = stack.rt.client("sqs").get_queue_attributes(
        QueueUrl=stack.rt.queue_url("RehydrateQueue"),
        AttributeNames=["ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


def test_x_posts_are_rehydrated_with_facts_and_intent_hits_from_one_call(x_stack: XStack) -> None:
    stack, x = x_stack
    stack.send(
        "RehydrateQueue",
        [
            interaction(1, post=TARGET),
            interaction(2, kind=Kind.COMMENT, actor="u2", post=TARGET, own_post=REPLY),
            interaction(3, actor="u3", post=OTHER),
        ],
    )

    assert stack.poll(FN) == 1

    out = forwarded(stack)
    assert set(out) == {"iid-1", "iid-2", "iid-3"}
    assert out["iid-1"].target.author_id == SELLER
    assert out["iid-2"].intent_hits == ["evaluating vendors", "pricing"]
    assert out["iid-3"].target.author_id == "2002"
    assert x.requests == [sorted([TARGET, OTHER, REPLY])]  # three posts, one call
    cached = stack.by_key("PostCacheTable", "post")
    assert cached[f"x#{REPLY}"]["referenced_post_id"] == TARGET
    assert cached[f"x#{REPLY}"]["conversation_id"] == TARGET


def test_server_errors_that_last_send_the_record_to_the_dlq_after_max_receive_count(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with (
        XApiStub(posts=posts()) as x,
        x_provider(start_stack, x, X_API_RETRY_BACKOFF_SECONDS="0.01") as stack,
    ):
        dlq_after_lasting_errors(stack, x)


def dlq_after_lasting_errors(stack: Stack, x: XApiStub) -> None:
    x.fail_next(500, times=3 * 5)
    stack.send("RehydrateQueue", [interaction(1, post=TARGET)])

    rounds = 0
    while stack.poll(FN):
        rounds += 1
        assert rounds < 10

    assert rounds == 5
    assert len(stack.take("RehydrateDLQ")) == 1
    assert x.calls == 15


def test_a_record_rate_limited_for_about_a_day_goes_the_failure_way(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with XApiStub(posts=posts(), quota=0) as x, x_provider(start_stack, x) as stack:
        event = sqs_event(
            [interaction(1, post=TARGET), interaction(2, actor="u2", post=OTHER)],
            stack.queue_arn("RehydrateQueue"),
        )
        event["Records"][0]["messageAttributes"] = {
            "rehydrate_deferrals": {"stringValue": "96", "dataType": "Number"}
        }
        event["Records"][1]["messageAttributes"] = {
            "rehydrate_deferrals": {"stringValue": "3", "dataType": "Number"}
        }

        answer = stack.rt.invoke(FN, event)

        assert answer == {
            "batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]
        }
        assert delayed(stack) == 1  # the other one is deferred again, its count raised
        assert x.statuses == [429]
