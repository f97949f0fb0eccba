"""Sending messages to SQS in batches, reporting exactly which ones did not make it."""

from __future__ import annotations

from collections.abc import Sequence

from socialscore import aws

BATCH = 10  # SendMessageBatch's limit


class Queue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, messages: Sequence[tuple[str, str]], attempts: int = 2) -> list[str]:
        """Send (id, body) pairs; ids must be unique and [A-Za-z0-9_-]. Returns ids not sent.

        SendMessageBatch may accept some entries and refuse others; only those are retried.
        """
        pending = list(messages)
        for _ in range(attempts):
            failed: list[tuple[str, str]] = []
            for start in range(0, len(pending), BATCH):
                chunk = pending[start : start + BATCH]
                reply = aws.client("sqs").send_message_batch(
                    QueueUrl=self.url,
                    Entries=[{"Id": mid, "MessageBody": body} for mid, body in chunk],
                )
                refused = {f["Id"] for f in reply.get("Failed", [])}
                failed.extend(m for m in chunk if m[0] in refused)
            pending = failed
            if not pending:
                break
        return [mid for mid, _ in pending]
