"""Messages travel in packs: a webhook's events in one SQS message and one call, packs within
SQS's size limit, every message back out in order, a correlation id per pack."""

from __future__ import annotations

import json
from typing import Any

from socialscore.aws.sqs import PACK_BYTES, PACK_ITEMS, SqsQueue, unpack
from tests.integration.support import Stack
from tests.integration.test_ingest_handler import like


def received(stack: Stack, queue: str) -> list[dict[str, Any]]:
    sqs = stack.rt.client("sqs")
    url = stack.rt.queue_url(queue)
    out: list[dict[str, Any]] = []
    while got := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        out += got
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)
            ],
        )
    return out


def test_a_webhook_of_100_events_is_one_sqs_message_sent_in_one_call(stack: Stack) -> None:
    events = [like(n, id=f"evt-like-{n}", actor_id=str(8000 + n)) for n in range(100)]

    answer = stack.webhook(events)

    assert answer.status == 202, answer.body
    assert stack.rt.calls[("IngestFunction", "SendMessageBatch")] == 1
    [message] = received(stack, "RehydrateQueue")
    carried = [json.loads(b) for _, b in unpack(message["MessageId"], message["Body"])]
    assert [m["actor_id"] for m in carried] == [str(8000 + n) for n in range(100)]


def test_packs_stay_within_sqs_limits_and_keep_every_message_in_order(stack: Stack) -> None:
    queue = SqsQueue(stack.rt.queue_url("ResolveQueue"))
    bodies = [(f"m{n}", json.dumps({"n": n, "pad": "x" * 2000})) for n in range(300)]
    correlation = {f"m{n}": ("first" if n < 150 else "second") for n in range(300)}

    assert queue.send(bodies, correlation) == []

    messages = received(stack, "ResolveQueue")
    sizes = [len(m["Body"].encode()) for m in messages]
    assert max(sizes) <= PACK_BYTES
    packs = [
        (
            m["MessageAttributes"]["correlation_id"]["StringValue"],
            [json.loads(b)["n"] for _, b in unpack(m["MessageId"], m["Body"])],
        )
        for m in messages
    ]
    assert all(len(ns) <= PACK_ITEMS for _, ns in packs)
    assert all(c == ("first" if ns[0] < 150 else "second") for c, ns in packs)
    everything = sorted((ns for _, ns in packs), key=lambda ns: ns[0])
    assert [n for ns in everything for n in ns] == list(range(300))  # none lost, none twice
    # A pack holds one correlation id: 150 messages of ~2 KB each take 2 packs per id.
    assert len(messages) == 4
