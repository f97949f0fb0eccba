"""rehydrate with POST_PROVIDER=x: the real handler on moto, the X API stub on 127.0.0.1.

Compliance drops, the post cache, rate limits (deferred to the reset, never the DLQ), server
errors (only the records that need the provider fail), coalescing, and post text that is never
written anywhere, logs included.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from pydantic import TypeAdapter

from socialscore.domain.interaction import Identify, Kind, PostDeleted, Retraction
from socialscore.domain.messages import Rehydrated
from socialscore.store import dynamo
from tests.integration.support import Stack, interaction, sqs_event
from tests.integration.support import identify as identify_message
from tests.stubs.x_api_stub import XApiStub, post

FN = "RehydrateFunction"
FORWARDED: TypeAdapter[Any] = TypeAdapter(Rehydrated | Identify | PostDeleted)
SELLER = "1001"  # s-ana in the integration world
TARGET = "2200000000000000001"
OTHER = "2200000000000000002"
REPLY = "2200000000000000003"
UNKNOWN = "2200000000000000009"
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


@contextmanager
def captured_logs(stack: Stack) -> Iterator[list[str]]:
    """Every log record of every logger (Powertools' included), message and attributes."""
    stack.rt.handler(FN)  # import the handler: its loggers exist from here on
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.getMessage()} {record.__dict__!r}")

    keep = Keep(logging.DEBUG)
    loggers = [logging.getLogger()] + [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    # Powertools keeps a logger's first level for the life of the process: open them all up.
    ours = [lg for lg in loggers if lg.name.startswith(("rehydrate", "socialscore", "service_"))]
    levels = [lg.level for lg in ours]
    for lg in ours:
        lg.setLevel(logging.DEBUG)
    for lg in loggers:
        lg.addHandler(keep)
    try:
        yield lines
    finally:
        for lg in loggers:
            lg.removeHandler(keep)
        for lg, level in zip(ours, levels, strict=True):
            lg.setLevel(level)


def forwarded(stack: Stack) -> dict[str, Any]:
    out = {}
    for raw in stack.take("ResolveQueue"):
        message = FORWARDED.validate_json(raw)
        key = message.interaction.interaction_id if isinstance(message, Rehydrated) else raw
        out[key] = message
    return out


def invoke(stack: Stack, messages: list[Any]) -> tuple[dict[str, Any], list[str]]:
    """One Lambda batch straight to the handler; returns its answer and the message ids."""
    event = sqs_event(messages, stack.queue_arn("RehydrateQueue"))
    return stack.rt.invoke(FN, event), [r["messageId"] for r in event["Records"]]


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


def test_a_cached_post_costs_no_provider_call(x_stack: XStack) -> None:
    stack, x = x_stack
    stack.send("RehydrateQueue", [interaction(1, post=TARGET)])
    stack.poll(FN)
    stack.send("RehydrateQueue", [interaction(2, actor="u2", post=TARGET)])
    stack.poll(FN)

    assert set(forwarded(stack)) == {"iid-1", "iid-2"}
    assert x.calls == 1


@pytest.mark.parametrize(
    ("post_id", "reason"),
    [(UNKNOWN, "target_post_not_found"), (PROTECTED, "target_post_not_authorized")],
)
def test_a_post_the_api_lists_in_errors_is_a_compliance_drop(
    x_stack: XStack, post_id: str, reason: str
) -> None:
    stack, x = x_stack
    stack.send("RehydrateQueue", [interaction(1, post=post_id), interaction(2, post=TARGET)])

    with captured_logs(stack) as logs:
        stack.poll(FN)

    assert set(forwarded(stack)) == {"iid-2"}
    assert stack.rt.depth("RehydrateQueue") == 0  # not retried
    assert stack.rt.depth("RehydrateDLQ") == 0
    assert f"x#{post_id}" not in stack.by_key("PostCacheTable", "post")
    assert any("dropped" in line and reason in line for line in logs)  # logged with its reason
    summary = [line for line in logs if line.startswith("rehydrated")]
    assert f"'dropped.{reason}': 1" in summary[-1]  # and counted
    assert "'forwarded': 1" in summary[-1]
    assert x.calls == 1


def test_a_post_deleted_since_it_was_cached_loses_its_facts(x_stack: XStack) -> None:
    stack, x = x_stack
    stack.send("RehydrateQueue", [interaction(1, kind=Kind.COMMENT, post=TARGET, own_post=REPLY)])
    stack.poll(FN)
    assert f"x#{REPLY}" in stack.by_key("PostCacheTable", "post")
    x.delete(REPLY)
    # A new scoring model needs the reply read again for its keywords: X says it is gone.
    cache = stack.table("PostCacheTable")
    stack.rt.client("dynamodb").update_item(
        TableName=cache,
        Key={"post": {"S": f"x#{REPLY}"}},
        UpdateExpression="SET model_version = :old",
        ExpressionAttributeValues={":old": {"S": "an-older-model"}},
    )
    stack.send(
        "RehydrateQueue",
        [interaction(2, kind=Kind.COMMENT, actor="u2", post=TARGET, own_post=REPLY)],
    )

    stack.poll(FN)

    assert set(forwarded(stack)) == {"iid-1"}  # the deleted reply is not credited
    assert set(stack.by_key("PostCacheTable", "post")) == {f"x#{TARGET}"}


def test_a_post_deleted_event_purges_the_cache_and_travels_on(x_stack: XStack) -> None:
    stack, x = x_stack
    stack.send("RehydrateQueue", [interaction(1, post=TARGET)])
    stack.poll(FN)
    forwarded(stack)
    deleted = PostDeleted(source="x", post=f"x#{TARGET}", occurred_at="2026-11-02T00:00:00Z")
    stack.send("RehydrateQueue", [deleted])

    stack.poll(FN)

    assert stack.by_key("PostCacheTable", "post") == {}
    assert list(forwarded(stack).values()) == [deleted]
    stack.send("RehydrateQueue", [interaction(2, actor="u2", post=TARGET)])
    stack.poll(FN)
    assert forwarded(stack) == {}  # known deleted: dropped, not served from anywhere
    assert x.calls == 1


def test_posts_of_other_networks_are_dropped_with_the_x_provider(x_stack: XStack) -> None:
    stack, x = x_stack
    linkedin = "https://www.linkedin.com/feed/update/urn:li:activity:7195092498207780864/"
    answer, _ = invoke(stack, [interaction(1, target_link=linkedin), interaction(2, post=TARGET)])

    assert answer == {"batchItemFailures": []}
    assert set(forwarded(stack)) == {"iid-2"}
    assert x.requests == [[TARGET]]


def test_429_defers_only_the_records_that_need_the_provider_until_the_reset(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with XApiStub(posts=posts(), quota=1, window_seconds=3) as x, x_provider(start_stack, x) as s:
        s.send("RehydrateQueue", [interaction(1, post=TARGET)])
        s.poll(FN)  # caches TARGET and spends the quota
        assert set(forwarded(s)) == {"iid-1"}

        answer, _ = invoke(
            s,
            [
                interaction(2, actor="u2", post=TARGET),  # cached: goes on
                interaction(3, actor="u3", post=OTHER),  # needs X: deferred
                interaction(4, kind=Kind.COMMENT, actor="u4", post=TARGET, own_post=REPLY),
            ],
        )

        assert answer == {"batchItemFailures": []}  # no failure: no receive count, no DLQ
        assert set(forwarded(s)) == {"iid-2"}
        assert delayed(s) == 1  # the two in one pack, back on the queue, invisible until the reset
        assert s.rt.depth("RehydrateQueue") == 0
        calls = x.calls
        assert s.poll(FN) == 0  # nothing to hot-loop on
        assert x.calls == calls

        # Visible again at the reset, give or take the second the delay is rounded up to and
        # the time the handler took to send them back: poll until then, never before the reset.
        time.sleep(max(0.0, x.reset_at - time.time()))
        deadline, seen = time.time() + 5, set()
        while seen != {"iid-3", "iid-4"} and time.time() < deadline:
            s.poll(FN)
            seen |= set(forwarded(s))
            time.sleep(0.2)

        assert seen == {"iid-3", "iid-4"}
        assert s.rt.depth("RehydrateDLQ") == 0
        assert x.statuses[-1] == 200


def test_5xx_fails_only_the_records_that_need_the_provider(x_stack: XStack) -> None:
    stack, x = x_stack
    stack.send("RehydrateQueue", [interaction(1, post=TARGET)])
    stack.poll(FN)
    forwarded(stack)
    x.fail_next(503, times=3)

    answer, ids = invoke(
        stack, [interaction(2, actor="u2", post=TARGET), interaction(3, actor="u3", post=OTHER)]
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": ids[1]}]}
    assert set(forwarded(stack)) == {"iid-2"}
    assert x.statuses[-3:] == [503, 503, 503]  # bounded retries


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


def test_coalescing_defers_what_would_not_fill_a_call_once(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    many = {str(2_300_000_000_000_000_000 + n): post(SELLER) for n in range(130)}
    with XApiStub(posts=many) as x, x_provider(start_stack, x) as stack:
        batch = [interaction(n, actor=f"u{n}", post=pid) for n, pid in enumerate(sorted(many))]
        answer, _ = invoke(stack, batch)

        assert answer == {"batchItemFailures": []}
        assert [len(r) for r in x.requests] == [100]  # one full call, not a full and a thin one
        assert len(forwarded(stack)) == 100
        assert stack.rt.depth("RehydrateQueue") == 1  # the 30 in one pack, deferred once, visible

        while stack.poll(FN):  # the poller gathers all 30 into one batch, as Lambda's does
            pass

        assert len(forwarded(stack)) == 30
        assert stack.rt.depth("RehydrateQueue") == 0
        assert [len(r) for r in x.requests] == [100, 30]  # deferred ones never wait twice


def test_post_text_is_never_written_anywhere_logs_included(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    botocore = logging.getLogger("botocore")
    level = botocore.level
    botocore.setLevel(logging.DEBUG)  # request and response bodies, as with boto3 debug on
    with (
        XApiStub(posts=posts(), protected={PROTECTED}, quota=3) as x,
        x_provider(start_stack, x, POWERTOOLS_LOG_LEVEL="DEBUG") as stack,
        captured_logs(stack) as logs,
    ):
        x.fail_next(503, times=1)
        stack.send(
            "RehydrateQueue",
            [
                interaction(1, kind=Kind.COMMENT, post=TARGET, own_post=REPLY),
                interaction(2, kind=Kind.QUOTE, actor="u2", post=OTHER, own_post=REPLY),
                interaction(3, actor="u3", post=PROTECTED),
                interaction(4, actor="u4", post=UNKNOWN),
            ],
        )
        stack.poll(FN)  # a 503, then the answer
        stack.send("RehydrateQueue", [interaction(5, actor="u5", post="2200000000000000077")])
        stack.poll(FN)
        x.spend_quota()
        stack.send("RehydrateQueue", [interaction(6, actor="u6", post="2200000000000000078")])
        stack.poll(FN)  # a 429

        botocore.setLevel(level)
        assert {m.interaction.interaction_id for m in forwarded(stack).values()} == {
            "iid-1",
            "iid-2",
        }
        tables = [stack.scan(t) for t in stack.rt.physical if t.endswith("Table")]
        queues = [
            stack.rt.client("sqs").receive_message(
                QueueUrl=stack.rt.queue_url(q), MaxNumberOfMessages=10, VisibilityTimeout=0
            )
            for q in stack.rt.physical
            if q.endswith("Queue") or q.endswith("DLQ")
        ]
    assert 429 in x.statuses
    assert 503 in x.statuses
    written = json.dumps([tables, queues], default=str)
    assert "evaluating vendors" in written  # the hits travel on ...
    assert SECRET_WORDS not in written  # ... the text does not
    logged = "\n".join(logs)
    assert "rehydrated" in logged  # the handler did log, at DEBUG level
    assert "Sending http request" in logged  # and so did botocore, bodies included
    assert SECRET_WORDS not in logged
    assert "Launch day" not in logged


def test_identity_links_pass_through_and_a_retraction_is_not_this_queue_s(
    x_stack: XStack,
) -> None:
    # Ingest sends retractions straight to score: one found here was misrouted, and it goes to
    # the DLQ with its reason rather than on to a stage that does not expect it.
    stack, x = x_stack
    link = identify_message(1)
    retraction = Retraction(
        interaction_id="iid-1",
        source="smms",
        network="x",
        kind=Kind.LIKE,
        actor_id="u1",
        target_post=f"x#{TARGET}",
        occurred_at="2026-11-02T00:00:00Z",
    )
    answer, ids = invoke(stack, [link, retraction])

    assert answer == {"batchItemFailures": [{"itemIdentifier": ids[1]}]}
    assert list(forwarded(stack).values()) == [link]
    assert x.calls == 0
    assert dynamo.scan(stack.table("PostCacheTable")) == []


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
