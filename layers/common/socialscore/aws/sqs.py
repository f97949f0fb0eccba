"""SQS: sending in packs and batches (reporting exactly which messages did not make it), sending
back for later, and the correlation id every message carries from the webhook that started it.
The consumer side (a Lambda SQS event read, its partial answer) is aws.batch's.

A pipeline message travels in a pack: one SQS message whose body is a JSON array of up to
`PACK_ITEMS` messages (of one correlation id, `PACK_BYTES` at most), so a webhook of 100 events
costs one SendMessageBatch, not ten. A pack of one is sent as the message itself. A consumer
names each packed message `<SQS message id>#<index>` (`item_id`), and reports failures by those
names; aws.batch turns them into SQS's per-record answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from socialscore.aws import clients

BATCH = 10  # SendMessageBatch's limit
# SQS takes 256 KiB a message and a SendMessageBatch call, attributes included; a pack's body
# stays under this, leaving the rest for the attributes.
PACK_BYTES = 250_000
# A pack is retried as a whole until aws.batch splits it: bound the work one failure repeats.
PACK_ITEMS = 100
CORRELATION_ID = "correlation_id"
DEFERRALS = "rehydrate_deferrals"
ITEM_SEPARATOR = "#"  # never in an SQS message id (a UUID)


def item_id(message_id: str, index: int) -> str:
    return f"{message_id}{ITEM_SEPARATOR}{index}"


def message_of(item: str) -> str:
    """The SQS message id a (packed) message id belongs to."""
    return item.split(ITEM_SEPARATOR, 1)[0]


def unpack(message_id: str, body: str) -> list[tuple[str, str]]:
    """(id, JSON) of each message a body carries: itself, or each of a pack's, by index.
    A body that is not a JSON array is one message, whatever it holds (its parse says why)."""
    if not body.lstrip().startswith("["):
        return [(message_id, body)]
    decoder = json.JSONDecoder()
    try:
        items = decoder.decode(body)
    except ValueError:
        return [(message_id, body)]
    if not isinstance(items, list) or not items:  # an empty pack is no message: poison
        return [(message_id, body)]
    return [(item_id(message_id, k), json.dumps(item)) for k, item in enumerate(items)]


class SqsQueue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(
        self, messages: Sequence[tuple[str, str]], correlation_ids: Mapping[str, str] | None = None
    ) -> list[str]:
        """Send (id, body) pairs in packs; returns the ids not sent. `correlation_ids` maps a
        message id (or the SQS message it came in) to the correlation id it carries on."""
        return self.send_later([(mid, body, 0) for mid, body in messages], None, correlation_ids)

    def send_later(
        self,
        messages: Sequence[tuple[str, str, int]],
        deferrals: Mapping[str, int] | None = None,
        correlation_ids: Mapping[str, str] | None = None,
        *,
        packed: bool = True,
    ) -> list[str]:
        """Send (id, body, delay seconds), visible after their delay, in packs of one delay,
        deferral count and correlation id (each alone if not `packed`); returns the ids not
        sent. `deferrals` counts, per message id, how often it was put off already."""
        counts = deferrals or {}
        groups: dict[tuple[str | None, int, int | None], list[tuple[str, str]]] = {}
        for mid, body, delay in messages:
            key = (_correlation(correlation_ids, mid), delay, counts.get(mid))
            groups.setdefault(key, []).append((mid, body))
        packs: list[tuple[list[str], dict[str, Any]]] = []
        for (correlation, delay, deferred), group in groups.items():
            attributes = _attributes(correlation)
            if deferred is not None:
                attributes[DEFERRALS] = {"DataType": "Number", "StringValue": str(deferred)}
            for ids, body in _packs(group) if packed else [([m], b) for m, b in group]:
                entry = _entry(str(len(packs)), body, attributes)
                packs.append((ids, entry | {"DelaySeconds": delay} if delay else entry))
        refused = [packs[int(n)][0] for n in self.send_entries([e for _, e in packs])]
        unsent = [ids[0] for ids in refused if len(ids) == 1]
        # A pack SQS refused (a character it cannot carry): its messages again, each alone, so
        # that only the one at fault stays unsent.
        again = {mid for ids in refused if len(ids) > 1 for mid in ids}
        if again:
            alone = [m for m in messages if m[0] in again]
            unsent += self.send_later(alone, deferrals, correlation_ids, packed=False)
        return unsent

    def send_entries(self, entries: Sequence[dict[str, Any]], attempts: int = 2) -> list[str]:
        """Send SendMessageBatch entries (Ids unique, [A-Za-z0-9_-]); returns the Ids of those
        not sent. SendMessageBatch may accept some entries and refuse others; only those are
        retried."""
        pending = list(entries)
        for _ in range(attempts):
            refused: list[dict[str, Any]] = []
            for chunk in _calls(pending):
                reply = clients.client("sqs").send_message_batch(QueueUrl=self.url, Entries=chunk)
                failed = {f["Id"] for f in reply.get("Failed", [])}
                refused += [e for e in chunk if e["Id"] in failed]
            pending = refused
            if not pending:
                break
        return [e["Id"] for e in pending]


def _packs(messages: list[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """(ids, body) of the packs these messages go in, in order."""
    packs: list[tuple[list[str], list[str]]] = []
    size = PACK_BYTES
    for mid, body in messages:
        length = len(body.encode()) + 1
        if size + length > PACK_BYTES or len(packs[-1][0]) >= PACK_ITEMS:
            packs.append(([], []))
            size = 2
        packs[-1][0].append(mid)
        packs[-1][1].append(body)
        size += length
    return [(ids, pack(bodies)) for ids, bodies in packs]


def pack(bodies: Sequence[str]) -> str:
    """One SQS body for these messages: the message itself if alone, else a JSON array."""
    return bodies[0] if len(bodies) == 1 else "[" + ",".join(bodies) + "]"


def _calls(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The entries in SendMessageBatch calls: 10 at most, and at most one pack's bytes each."""
    calls: list[list[dict[str, Any]]] = []
    size = PACK_BYTES
    for entry in entries:
        length = len(entry["MessageBody"].encode())
        if size + length > PACK_BYTES or len(calls[-1]) >= BATCH:
            calls.append([])
            size = 0
        calls[-1].append(entry)
        size += length
    return calls


def _correlation(ids: Mapping[str, str] | None, mid: str) -> str | None:
    if not ids:
        return None
    return ids.get(mid) or ids.get(message_of(mid))


def _entry(entry_id: str, body: str, attributes: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": body}
    if attributes:
        entry["MessageAttributes"] = attributes
    return entry


def _attributes(correlation_id: str | None) -> dict[str, Any]:
    if not correlation_id:
        return {}
    return {CORRELATION_ID: {"DataType": "String", "StringValue": correlation_id}}
