"""SQS: sending in batches (reporting exactly which messages did not make it), sending back for
later, and the correlation id every message carries from the webhook that started it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from socialscore.aws import clients

BATCH = 10  # SendMessageBatch's limit
CORRELATION_ID = "correlation_id"
DEFERRALS = "rehydrate_deferrals"


class SqsQueue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(
        self, messages: Sequence[tuple[str, str]], correlation_ids: Mapping[str, str] | None = None
    ) -> list[str]:
        """Send (id, body) pairs; ids must be unique and [A-Za-z0-9_-]. Returns ids not sent.
        `correlation_ids` maps a message id to the correlation id it carries on."""
        ids = correlation_ids or {}
        return self.send_entries([_entry(m, body, _attributes(ids.get(m))) for m, body in messages])

    def send_later(
        self,
        messages: Sequence[tuple[str, str, int]],
        deferrals: Mapping[str, int] | None = None,
        correlation_ids: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Send (id, body, delay seconds) entries, visible after their delay; returns the ids
        not sent. `deferrals` counts, per message id, how often it was put off already."""
        counts = deferrals or {}
        ids = correlation_ids or {}
        entries = []
        for mid, body, delay in messages:
            attributes = _attributes(ids.get(mid))
            if mid in counts:
                attributes[DEFERRALS] = {"DataType": "Number", "StringValue": str(counts[mid])}
            entry: dict[str, Any] = {"Id": mid, "MessageBody": body, "DelaySeconds": delay}
            if attributes:
                entry["MessageAttributes"] = attributes
            entries.append(entry)
        return self.send_entries(entries)

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


def _entry(mid: str, body: str, attributes: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": mid, "MessageBody": body}
    if attributes:
        entry["MessageAttributes"] = attributes
    return entry


def _attributes(correlation_id: str | None) -> dict[str, Any]:
    if not correlation_id:
        return {}
    return {CORRELATION_ID: {"DataType": "String", "StringValue": correlation_id}}


def _attribute(record: Mapping[str, Any], name: str) -> str | None:
    value = (record.get("messageAttributes") or {}).get(name) or {}
    raw = value.get("stringValue")
    return raw if isinstance(raw, str) else None


def deferrals(record: Mapping[str, Any]) -> int:
    """How often a Lambda SQS record was deferred before."""
    try:
        return int(_attribute(record, DEFERRALS) or 0)
    except ValueError:
        return 0


def correlation_id(record: Mapping[str, Any]) -> str | None:
    """The correlation id a Lambda SQS record carries, if any."""
    return _attribute(record, CORRELATION_ID)
