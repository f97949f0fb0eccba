"""Why a message failed is logged once a delivery, at a level that says what SQS does next:
WARNING "will retry: <reason>" while it has deliveries left, ERROR "to DLQ: <reason>" on the
delivery it moves the message to the DLQ after, so a DLQ's reasons survive LogLevel=ERROR.

In memory, through the stage runner every queue handler uses (pipeline.stage): fake Lambda SQS
records carrying ApproximateReceiveCount and a correlation id, a stage that fails the messages
it is told to, the log read as Powertools writes it (JSON lines on stdout) under a service name
of the test's own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from pydantic import TypeAdapter

from socialscore.aws import batch
from socialscore.aws.sqs import CORRELATION_ID, item_id
from socialscore.domain.interaction import Interaction
from socialscore.pipeline import stage
from socialscore_local.memory.queue import MemoryQueue, refuse_all

SECRET = "@ceo_private_handle"  # what a body may hold, and no line may
VALID: dict[str, Any] = {  # a valid interaction message
    "type": "interaction",
    "interaction_id": "iid-1",
    "source": "smms",
    "network": "x",
    "kind": "like",
    "category": "organic",
    "actor_id": "1001",
    "target_permalink": "https://x.com/acme/status/2100000000000000001",
    "occurred_at": "2026-11-01T12:00:00Z",
}
POISON = json.dumps(VALID | {"actor_id": SECRET})
WHY = batch.Failure("post_id_refused", {"interaction_id": "iid-1"})
ADAPTER = TypeAdapter(Interaction)
METRICS = Metrics(namespace="dlq-test")


def logger() -> Logger:
    """The stage's logger, as its handler makes it (the service name is the test's own)."""
    return Logger()


def record(mid: str, body: str, delivery: int, correlation: str | None = "req-7") -> dict[str, Any]:
    """A record as Lambda hands it over, on its n-th delivery."""
    attributes = {"ApproximateReceiveCount": str(delivery), "SentTimestamp": "1764000000000"}
    carried = {CORRELATION_ID: {"stringValue": correlation, "dataType": "String"}}
    return {
        "messageId": mid,
        "receiptHandle": f"rh-{mid}",
        "body": body,
        "attributes": attributes,
        "messageAttributes": carried if correlation else {},
        "eventSource": "aws:sqs",
    }


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """A fresh stage (its own service name) whose queue's maxReceiveCount is 5; returns a
    function that reads the failure lines it wrote."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"dlq-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv(batch.MAX_RECEIVE_COUNT, "5")
    METRICS.clear_metrics()  # Powertools' metric set is shared: none left for another test

    def lines() -> list[dict[str, Any]]:
        out = capsys.readouterr().out
        assert SECRET not in out
        parsed = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        return [line for line in parsed if "reason" in line]

    yield lines
    METRICS.clear_metrics()


def run(
    event: dict[str, Any],
    failed: Mapping[str, batch.Failure] | None = None,
    own_queue: MemoryQueue | None = None,
) -> dict[str, Any]:
    """The runner's answer when the stage fails these messages (poison fails on its own)."""
    done = batch.Done(dict(failed or {}))
    answer = stage.run(
        event, ADAPTER, lambda received: done, own_queue, logger=logger(), metrics=METRICS
    )
    if own_queue is not None:  # each alone: only the one at fault keeps failing
        assert all(not m.packed for call in own_queue.calls for m in call)
    return answer


@pytest.mark.parametrize("delivery", [1, 4])
def test_a_delivery_sqs_will_retry_logs_its_reason_at_warning(log: Any, delivery: int) -> None:
    event = {"Records": [record("m-1", json.dumps(VALID), delivery)]}

    answer = run(event, {"m-1": WHY})

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    [line] = log()
    assert (line["level"], line["message"]) == ("WARNING", "will retry: post_id_refused")
    assert (line["message_id"], line["correlation_id"]) == ("m-1", "req-7")
    assert (line["reason"], line["interaction_id"]) == ("post_id_refused", "iid-1")
    assert line["receive_count"] == delivery


@pytest.mark.parametrize("delivery", [5, 6])  # 6: a queue's maxReceiveCount lowered meanwhile
def test_the_delivery_sqs_moves_to_the_dlq_after_logs_its_reason_at_error(
    log: Any, delivery: int
) -> None:
    event = {"Records": [record("m-1", json.dumps(VALID), delivery)]}

    answer = run(event, {"m-1": WHY})

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    [line] = log()
    assert (line["level"], line["message"]) == ("ERROR", "to DLQ: post_id_refused")
    assert (line["message_id"], line["correlation_id"]) == ("m-1", "req-7")
    assert line["receive_count"] == delivery


def test_at_log_level_error_only_the_last_delivery_s_line_is_written(
    log: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")  # as the stack's LogLevel=ERROR sets
    for delivery in range(1, 6):
        event = {"Records": [record("m-1", json.dumps(VALID), delivery)]}
        run(event, {"m-1": WHY})

    assert [(line["message"], line["receive_count"]) for line in log()] == [
        ("to DLQ: post_id_refused", 5)
    ]


def test_a_poison_message_goes_to_the_dlq_with_its_fields_errors_and_never_its_values(
    log: Any,
) -> None:
    event = {"Records": [record("m-1", json.dumps(VALID), 5), record("m-2", POISON, 5)]}

    taken: list[str] = []

    def take(received: list[batch.Received[Interaction]]) -> batch.Done:
        taken.extend(r.id for r in received)
        return batch.Done()

    answer = stage.run(event, ADAPTER, take, None, logger=logger(), metrics=METRICS)

    assert taken == ["m-1"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    [line] = log()
    assert (line["level"], line["message"], line["message_id"]) == (
        "ERROR",
        "to DLQ: poison message",
        "m-2",
    )
    assert [(e["loc"], e["type"]) for e in line["errors"]] == [
        (["actor_id"], "string_pattern_mismatch")
    ]


def test_without_the_queue_s_max_receive_count_every_failure_is_logged_at_error(
    log: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage that cannot tell which delivery is the last never logs a DLQ's reason lower."""
    monkeypatch.delenv(batch.MAX_RECEIVE_COUNT)
    event = {"Records": [record("m-1", json.dumps(VALID), 1, correlation=None)]}

    run(event, {"m-1": WHY})

    [line] = log()
    assert (line["level"], line["message"]) == ("ERROR", "to DLQ: post_id_refused")
    assert "correlation_id" not in line  # the record carried none


def pack_event(delivery: int) -> tuple[dict[str, Any], str, str]:
    body = "[" + ",".join([json.dumps(VALID), POISON, json.dumps(VALID)]) + "]"
    return {"Records": [record("p-1", body, delivery)]}, item_id("p-1", 1), item_id("p-1", 2)


def test_a_pack_s_failed_message_sent_back_alone_on_the_last_delivery_is_no_dlq_line(
    log: Any,
) -> None:
    """The pack is done and its failed message becomes a message of its own, delivered afresh:
    SQS will try it again, so its line says so."""
    event, poison, _ = pack_event(delivery=5)
    requeue = MemoryQueue(defers=True)

    answer = run(event, own_queue=requeue)

    assert answer == {"batchItemFailures": []}
    # the correlation id travels on
    assert [m.id for m in requeue.sent] == [poison]
    assert requeue.correlations == [{poison: "req-7"}]  # the correlation id travels on
    [line] = log()
    assert (line["level"], line["message"], line["message_id"]) == (
        "WARNING",
        "will retry: poison message",
        poison,
    )


def test_a_pack_that_fails_whole_on_its_last_delivery_logs_each_message_s_reason_at_error(
    log: Any,
) -> None:
    event, poison, other = pack_event(delivery=5)
    answer = run(event, batch.unsent([other], "resolve"), MemoryQueue(refuse_all, defers=True))

    assert answer == {"batchItemFailures": [{"itemIdentifier": "p-1"}]}
    lines = {line["message_id"]: line for line in log()}
    assert {mid: (li["level"], li["message"]) for mid, li in lines.items()} == {
        poison: ("ERROR", "to DLQ: poison message"),
        other: ("ERROR", "to DLQ: not sent to the resolve queue"),
    }
    assert {li["correlation_id"] for li in lines.values()} == {"req-7"}
