"""Send messages back to their own queue for later, counting how often each was deferred.

A rate-limited record is not reported failed (SQS would count it towards maxReceiveCount and
move it to the DLQ after 5 rate limits): it is sent again with DelaySeconds, as a new message
that carries its deferral count, and the delivery at hand is reported done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socialscore import aws

ATTRIBUTE = "rehydrate_deferrals"
BATCH = 10  # SendMessageBatch's limit


def deferrals(record: dict[str, Any]) -> int:
    """How often a Lambda SQS record was deferred before."""
    value = (record.get("messageAttributes") or {}).get(ATTRIBUTE) or {}
    raw = value.get("stringValue", "0")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


class Requeue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, messages: Sequence[tuple[str, str, int, int]]) -> list[str]:
        """Send (id, body, delay seconds, deferral count) entries; returns the ids not sent."""
        refused: list[str] = []
        for start in range(0, len(messages), BATCH):
            entries = [
                {
                    "Id": mid,
                    "MessageBody": body,
                    "DelaySeconds": delay,
                    "MessageAttributes": {
                        ATTRIBUTE: {"DataType": "Number", "StringValue": str(count)}
                    },
                }
                for mid, body, delay, count in messages[start : start + BATCH]
            ]
            reply = aws.client("sqs").send_message_batch(QueueUrl=self.url, Entries=entries)
            refused += [f["Id"] for f in reply.get("Failed", [])]
        return refused
