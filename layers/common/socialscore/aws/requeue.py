"""Send messages back to their own queue for later, counting how often each was deferred.

A rate-limited record is not reported failed (SQS would count it towards maxReceiveCount and
move it to the DLQ after 5 rate limits): it is sent again with DelaySeconds, as a new message
that carries its deferral count, and the delivery at hand is reported done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socialscore.aws.sqs import Queue

ATTRIBUTE = "rehydrate_deferrals"


def deferrals(record: dict[str, Any]) -> int:
    """How often a Lambda SQS record was deferred before."""
    value = (record.get("messageAttributes") or {}).get(ATTRIBUTE) or {}
    raw = value.get("stringValue", "0")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


class Requeue(Queue):
    def send_later(self, messages: Sequence[tuple[str, str, int, int]]) -> list[str]:
        """Send (id, body, delay seconds, deferral count) entries; returns the ids not sent."""
        return self.send_entries(
            [
                {
                    "Id": mid,
                    "MessageBody": body,
                    "DelaySeconds": delay,
                    "MessageAttributes": {
                        ATTRIBUTE: {"DataType": "Number", "StringValue": str(count)}
                    },
                }
                for mid, body, delay, count in messages
            ]
        )
