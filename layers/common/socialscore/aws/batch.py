"""A Lambda SQS event read once: each message parsed, with what its delivery says, and the
partial batch answer built from that reading.

Powertools' BatchProcessor handles one record at a time; these stages work on the whole batch
at once (one cache read, one provider call, one transaction per batch), so they read the event
with `read` and answer in the same `batchItemFailures` shape. The records are read as the
plain dicts Lambda hands over, once, into a `Batch`: its messages (a pack's each, named by
aws.sqs.item_id) for the stage, and what its answer needs (each record's messages, correlation
id and receive count). pydantic is imported by the first read: the handlers' import is kept to
what a cold start cannot do without. The stage runner (pipeline.stage) drives it.

Every failed message is logged once an attempt, by `Batch.answer`, which alone knows what
happens to it next: WARNING "will retry: <reason>" while SQS has deliveries left, ERROR
"to DLQ: <reason>" on the delivery SQS moves it to the DLQ after (ApproximateReceiveCount at
the queue's maxReceiveCount), so a DLQ's reasons survive LogLevel=ERROR. A line names the
message id and its correlation id, never the body.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from socialscore.aws.logs import logger
from socialscore.aws.sqs import CORRELATION_ID, DEFERRALS, unpack

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")
# Set by template.yaml on every SQS consumer from the parameter its queues' RedrivePolicy
# takes, so the two never disagree.
MAX_RECEIVE_COUNT = "MAX_RECEIVE_COUNT"
POISON = "poison message"
# How a failed message's line begins: the delivery SQS moves it to the DLQ after, or not.
TO_DLQ, WILL_RETRY = "to DLQ: ", "will retry: "


@dataclass(frozen=True)
class Failure:
    """Why a message failed: a reason, and details that hold no value of the body (a body may
    hold handles or text)."""

    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)


Failures = dict[str, Failure]  # message id (a pack's each, by aws.sqs.item_id) -> why


@dataclass(frozen=True)
class Received(Generic[T]):
    """One message of a batch, parsed, with what its delivery says."""

    id: str  # its SQS message id, or `<SQS message id>#<n>` for a pack's n-th (aws.sqs.item_id)
    message: T
    correlation_id: str | None  # the webhook request's id, carried on to the next queue
    receive_count: int  # how often SQS has delivered its record, this delivery included
    deferrals: int  # how often a stage put it off before (rehydrate's rate limits, coalescing)


@dataclass(frozen=True)
class Done:
    """What a stage did with its batch: the messages that failed, with why (SQS delivers them
    again), and what to count: metric -> count, and metric -> reason -> count."""

    failed: Failures = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    reasons: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Record:
    bodies: dict[str, str]  # message id -> body, for each message the record carries
    correlation_id: str | None
    receive_count: int


@dataclass(frozen=True)
class Batch(Generic[T]):
    """A Lambda SQS event as read once: the valid messages, the poison ones, and per record
    what its answer needs."""

    messages: list[Received[T]]
    poison: Failures
    records: Mapping[str, _Record]

    def correlation_ids(self) -> list[str]:
        """The webhooks this batch came from."""
        return sorted({r.correlation_id for r in self.records.values() if r.correlation_id})

    def split(self, failed: Collection[str]) -> list[tuple[str, str, str | None]]:
        """(id, body, correlation id) of the failed messages whose pack goes on without them:
        sent back alone to the stage's queue, they are done here, and only a message that
        keeps failing can reach the DLQ (its pack-mates are not run again). A pack that failed
        whole fails as one."""
        again: list[tuple[str, str, str | None]] = []
        for record in self.records.values():
            mids = [mid for mid in record.bodies if mid in failed]
            if mids and len(mids) < len(record.bodies):
                again += [(mid, record.bodies[mid], record.correlation_id) for mid in mids]
        return again

    def answer(self, failed: Mapping[str, Failure], resent: Collection[str]) -> dict[str, Any]:
        """Lambda's partial batch answer for these failed messages, each logged with its
        reason: a record fails when one of its failed messages was not `resent` alone."""
        answer: list[str] = []
        for record_id, record in self.records.items():
            mids = [mid for mid in record.bodies if mid in failed]
            if not mids:
                continue
            last = False
            if not all(mid in resent for mid in mids):
                answer.append(record_id)
                last = _last(record.receive_count)
            _log(failed, mids, record.correlation_id, record.receive_count, last)
        return {"batchItemFailures": [{"itemIdentifier": mid} for mid in answer]}


def read(event: Mapping[str, Any], adapter: TypeAdapter[T]) -> Batch[T]:
    """Every message of the event's records (a pack's each), parsed; a poison one is reported
    failed with its validation errors, so SQS moves it to the DLQ after maxReceiveCount while
    the rest of the batch goes on."""
    from pydantic import ValidationError

    messages: list[Received[T]] = []
    poison: Failures = {}
    records: dict[str, _Record] = {}
    for raw in event["Records"]:
        record = _Record(
            dict(unpack(raw["messageId"], raw["body"])),
            _attribute(raw, CORRELATION_ID),
            _receive_count(raw),
        )
        records[raw["messageId"]] = record
        deferred = _deferrals(raw)
        for mid, body in record.bodies.items():
            try:
                message = adapter.validate_json(body)
            except ValidationError as err:
                poison[mid] = Failure(POISON, {"errors": _reasons(err)})
                continue
            received = Received(mid, message, record.correlation_id, record.receive_count, deferred)
            messages.append(received)
    return Batch(messages, poison, records)


def correlation_ids(messages: Iterable[Received[Any]]) -> dict[str, str]:
    """message id -> the correlation id it carries, for those that carry one: what a stage
    gives the next queue with them."""
    return {m.id: m.correlation_id for m in messages if m.correlation_id}


def unsent(message_ids: Iterable[str], queue: str) -> Failures:
    """The messages SQS did not take on their way to the next queue."""
    return {mid: Failure(f"not sent to the {queue} queue") for mid in message_ids}


def _deferrals(record: Mapping[str, Any]) -> int:
    """How often a Lambda SQS record was deferred before."""
    try:
        return int(_attribute(record, DEFERRALS) or 0)
    except ValueError:
        return 0


def _receive_count(record: Mapping[str, Any]) -> int:
    """How often SQS has delivered a Lambda SQS record, this delivery included."""
    try:
        return int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1))
    except (TypeError, ValueError):
        return 1


def _attribute(record: Mapping[str, Any], name: str) -> str | None:
    value = (record.get("messageAttributes") or {}).get(name) or {}
    raw = value.get("stringValue")
    return raw if isinstance(raw, str) else None


def _last(count: int) -> bool:
    """Whether SQS moves a record delivered `count` times to the DLQ if it fails now. Without
    the queue's maxReceiveCount it cannot tell: then every attempt counts as the last, so that a
    DLQ's reason is never logged below ERROR."""
    most = os.environ.get(MAX_RECEIVE_COUNT, "")
    return not most.isdigit() or count >= int(most)


def _log(
    failed: Mapping[str, Failure], mids: list[str], correlation: str | None, count: int, last: bool
) -> None:
    write = logger().error if last else logger().warning
    for mid in mids:
        why = failed[mid]
        extra: dict[str, Any] = {"message_id": mid, "reason": why.reason, "receive_count": count}
        if correlation:
            extra["correlation_id"] = correlation
        write(f"{TO_DLQ if last else WILL_RETRY}{why.reason}", extra={**why.details, **extra})


def _reasons(err: ValidationError) -> list[dict[str, Any]]:
    """Where and why a body failed, without the values: a body may hold handles or text."""
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in err.errors(include_url=False, include_input=False, include_context=False)
    ]


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """The items in lists of at most `size`: an API's per-call limit (100 ids, 200 records)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
