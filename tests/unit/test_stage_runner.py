"""The stage runner every queue handler is (pipeline.stage), in memory: what a stage is given
of each message's delivery, where a split pack's failed messages go, which records Lambda is
told failed, and what is counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from pydantic import TypeAdapter

from socialscore.aws import batch
from socialscore.aws.sqs import CORRELATION_ID, DEFERRALS, item_id, pack
from socialscore.domain.interaction import Interaction
from socialscore.pipeline import stage
from socialscore_local.memory.queue import MemoryQueue, refuse_ids
from tests.unit.test_dlq_reasons import VALID

ADAPTER = TypeAdapter(Interaction)
METRICS = Metrics(namespace="stage-runner-test")
LIKE = {key: value for key, value in VALID.items() if key != "interaction_id"}


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    METRICS.clear_metrics()  # Powertools' metric set is shared: none left for another test
    yield
    METRICS.clear_metrics()


def likes(first: int, n: int) -> str:
    """A pack of n likes, interaction ids from `first`."""
    return pack([json.dumps(LIKE | {"interaction_id": f"iid-{first + k}"}) for k in range(n)])


def record(mid: str, body: str, delivery: int = 1, deferred: int = 0) -> dict[str, Any]:
    attributes = {CORRELATION_ID: {"stringValue": f"req-{mid}", "dataType": "String"}}
    if deferred:
        attributes[DEFERRALS] = {"stringValue": str(deferred), "dataType": "Number"}
    return {
        "messageId": mid,
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(delivery)},
        "messageAttributes": attributes,
    }


def run(
    event: dict[str, Any], failing: Sequence[str] = (), own_queue: MemoryQueue | None = None
) -> tuple[dict[str, Any], list[batch.Received[Interaction]]]:
    """The answer, and what the stage was given; the stage fails the messages named."""
    given: list[batch.Received[Interaction]] = []

    def take(received: list[batch.Received[Interaction]]) -> batch.Done:
        given.extend(received)
        failed = {mid: batch.Failure("refused") for mid in failing}
        return batch.Done(failed, {"Taken": len(received)}, {"Refused": {"refused": len(failed)}})

    answer = stage.run(event, ADAPTER, take, own_queue, logger=Logger(), metrics=METRICS)
    if own_queue is not None:  # a split pack's messages go back each alone, visible at once
        assert all(not m.packed and m.delay == 0 for call in own_queue.calls for m in call)
    return answer, given


def test_the_stage_gets_each_message_with_what_its_record_s_delivery_says() -> None:
    event = {
        "Records": [record("p-1", likes(0, 2), delivery=3, deferred=2), record("m-2", likes(2, 1))]
    }

    answer, given = run(event)

    assert answer == {"batchItemFailures": []}
    assert [(r.id, r.correlation_id, r.receive_count, r.deferrals) for r in given] == [
        (item_id("p-1", 0), "req-p-1", 3, 2),
        (item_id("p-1", 1), "req-p-1", 3, 2),
        ("m-2", "req-m-2", 1, 0),
    ]
    assert [r.message.interaction_id for r in given] == ["iid-0", "iid-1", "iid-2"]


def test_two_packs_failed_messages_go_back_in_one_send_and_a_refused_one_fails_its_pack() -> None:
    event = {"Records": [record("p-1", likes(0, 3)), record("p-2", likes(3, 3))]}
    own = MemoryQueue(refuse_ids(item_id("p-2", 0)), defers=True)

    answer, _ = run(event, failing=[item_id("p-1", 1), item_id("p-2", 0)], own_queue=own)

    assert [[(m.id, m.correlation_id) for m in call] for call in own.calls] == [
        [(item_id("p-1", 1), "req-p-1"), (item_id("p-2", 0), "req-p-2")]
    ]
    # p-1 is done (its failed message is a message of its own now); p-2 is delivered again whole.
    assert answer == {"batchItemFailures": [{"itemIdentifier": "p-2"}]}


def test_a_pack_that_failed_whole_or_a_stage_without_its_queue_fails_the_record() -> None:
    event = {"Records": [record("p-1", likes(0, 2)), record("p-2", likes(2, 2))]}
    own = MemoryQueue(defers=True)
    whole = [item_id("p-1", 0), item_id("p-1", 1)]

    answer, _ = run(event, failing=whole, own_queue=own)

    assert own.calls == []
    assert answer == {"batchItemFailures": [{"itemIdentifier": "p-1"}]}
    answer, _ = run(event, failing=[item_id("p-2", 1)], own_queue=None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "p-2"}]}


def test_poison_is_counted_and_failed_alone_and_the_stage_s_counts_are_published() -> None:
    poison = json.dumps(LIKE | {"interaction_id": "iid-9", "kind": "poke"})
    event = {"Records": [record("m-1", likes(0, 1)), record("m-2", poison)]}

    answer, given = run(event, failing=["m-1"])

    assert [r.id for r in given] == ["m-1"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    counted = {name: metric["Value"] for name, metric in METRICS.metric_set.items()}
    assert counted == {"PoisonMessages": [1.0], "Taken": [1.0]}
