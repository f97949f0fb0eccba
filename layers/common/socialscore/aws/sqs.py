"""Sending messages to SQS in batches, reporting exactly which ones did not make it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socialscore.aws import clients

BATCH = 10  # SendMessageBatch's limit


class Queue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, messages: Sequence[tuple[str, str]], attempts: int = 2) -> list[str]:
        """Send (id, body) pairs; ids must be unique and [A-Za-z0-9_-]. Returns ids not sent."""
        entries = [{"Id": mid, "MessageBody": body} for mid, body in messages]
        return self.send_entries(entries, attempts)

    def send_entries(self, entries: Sequence[dict[str, Any]], attempts: int = 2) -> list[str]:
        """Send SendMessageBatch entries; returns the ids of those not sent.

        SendMessageBatch may accept some entries and refuse others; only those are retried.
        """
        pending = list(entries)
        for _ in range(attempts):
            refused: list[dict[str, Any]] = []
            for start in range(0, len(pending), BATCH):
                chunk = pending[start : start + BATCH]
                reply = clients.client("sqs").send_message_batch(QueueUrl=self.url, Entries=chunk)
                failed = {f["Id"] for f in reply.get("Failed", [])}
                refused += [e for e in chunk if e["Id"] in failed]
            pending = refused
            if not pending:
                break
        return [e["Id"] for e in pending]
