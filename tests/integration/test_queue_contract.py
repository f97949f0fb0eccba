"""The message queue's contract, run against the memory queue (socialscore_local.memory.queue)
and aws.sqs.SqsQueue on moto: what SQS refuses, the fake refuses, and what the fake takes, SQS
takes, so the delays and sizes the pipeline's unit tests send would travel on SQS
(tests/unit/test_queue_limits.py). The fake is the stricter on size: it refuses past 256 KiB
(the quotas page's figure, and what aws.sqs packs to), SendMessageBatch past 1 MiB."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest
from botocore.exceptions import ClientError

from socialscore.aws.sqs import PACK_BYTES, SqsQueue
from socialscore.pipeline.ports import MessageQueue
from socialscore_local.memory.queue import (
    MAX_DELAY_SECONDS,
    MAX_MESSAGE_BYTES,
    MemoryQueue,
    TooLong,
)
from tests.integration.moto_tables import moto_table

__all__ = ["moto_table"]  # the fixture whose moto the SQS queue is made in
# docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html: "The
# maximum allowed individual message size and the maximum total payload size ... are both 1 MiB"
SQS_MAX_BYTES = 1_048_576


@pytest.fixture(params=["memory", "sqs"])
def queue(request: pytest.FixtureRequest) -> MessageQueue:
    if request.param == "memory":
        return MemoryQueue()
    request.getfixturevalue("moto_table")
    return SqsQueue(boto3.client("sqs").create_queue(QueueName="contract")["QueueUrl"])


def refused(send: Callable[[], list[str]]) -> bool:
    """Whether the message was refused: named unsent, or the request answered with an error."""
    try:
        return send() != []
    except (ClientError, TooLong):
        return True


def test_a_delay_past_sqs_s_timer_and_a_message_past_its_size_are_refused(
    queue: MessageQueue,
) -> None:
    assert not refused(lambda: queue.send_later([("m-1", "{}", MAX_DELAY_SECONDS)]))
    assert refused(lambda: queue.send_later([("m-2", "{}", MAX_DELAY_SECONDS + 1)]))
    assert not refused(lambda: queue.send([("m-3", "x" * PACK_BYTES)]))  # a full pack
    assert PACK_BYTES < MAX_MESSAGE_BYTES < SQS_MAX_BYTES
    assert refused(lambda: queue.send([("m-4", "x" * (SQS_MAX_BYTES + 1))]))
