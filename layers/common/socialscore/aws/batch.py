"""SQS batches with partial failure: parse each record, report exactly the ones that failed, and
log why each failed at a level that says whether SQS will try it again.

Powertools' BatchProcessor handles one record at a time; these stages work on the whole batch
at once (one cache read, one provider call, one transaction per batch), so they parse with this
and answer in the same `batchItemFailures` shape. The records are read as the plain dicts
Lambda hands over, and pydantic is imported by the first parse: the handlers import this
module, and their import is kept to what a cold start cannot do without.

Every failed message is logged once an attempt, by `partial_response`, which alone knows what
happens to it next: WARNING "will retry: <reason>" while SQS has deliveries left, ERROR
"to DLQ: <reason>" on the delivery SQS moves it to the DLQ after (ApproximateReceiveCount at
the queue's maxReceiveCount), so a DLQ's reasons survive LogLevel=ERROR. A line names the
message id and its correlation id, never the body.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from socialscore.aws.logs import logger
from socialscore.aws.sqs import correlation_id, message_of, receive_count, unpack

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


Failed = dict[str, Failure]  # message id (a pack's each, by aws.sqs.item_id) -> why


class Requeue(Protocol):
    """Where a split pack's failed messages go back to: the stage's own queue."""

    def send_later(
        self,
        messages: Sequence[tuple[str, str, int]],
        deferrals: Mapping[str, int] | None = None,
        correlation_ids: Mapping[str, str] | None = None,
        *,
        packed: bool = True,
    ) -> list[str]: ...


def parse(event: dict[str, Any], adapter: TypeAdapter[T]) -> tuple[list[tuple[str, T]], Failed]:
    """(message id, message) for every valid message of the records (a pack's each, named by
    aws.sqs.item_id), and the poison ones with their validation errors.

    A poison message is reported failed, so SQS moves it to the DLQ after maxReceiveCount while
    the rest of the batch goes on.
    """
    from pydantic import ValidationError

    parsed: list[tuple[str, T]] = []
    poison: Failed = {}
    for record in event["Records"]:
        for message_id, body in unpack(record["messageId"], record["body"]):
            try:
                parsed.append((message_id, adapter.validate_json(body)))
            except ValidationError as err:
                poison[message_id] = Failure(POISON, {"errors": _reasons(err)})
    return parsed, poison


def unsent(message_ids: Iterable[str], queue: str) -> Failed:
    """The messages SQS did not take on their way to the next queue."""
    return {mid: Failure(f"not sent to the {queue} queue") for mid in message_ids}


def partial_response(
    failed: Mapping[str, Failure],
    event: dict[str, Any] | None = None,
    alone: Requeue | None = None,
) -> dict[str, Any]:
    """Lambda's partial batch answer for these failed messages, each logged with its reason.

    A pack some of whose messages failed is split: those messages are sent back to `alone` (the
    stage's own queue) each as a message of its own, and the pack is done; a pack that failed
    whole, or whose messages could not be sent back, fails as one. So a message that keeps
    failing reaches the DLQ alone, and its pack-mates are not run again.
    """
    records = {r["messageId"]: r for r in (event or {}).get("Records", [])}
    split: dict[str, list[str]] = {}
    for mid in failed:
        split.setdefault(message_of(mid), []).append(mid)
    answer: list[str] = []
    for record_id, mids in split.items():
        record = records.get(record_id, {})
        packed = dict(unpack(record_id, record["body"])) if record else {}
        correlation = correlation_id(record)
        if alone is not None and set(mids) < set(packed):
            again = [(m, packed[m], 0) for m in mids]
            correlations = dict.fromkeys(mids, correlation) if correlation else None
            if not alone.send_later(again, correlation_ids=correlations, packed=False):
                _log(failed, mids, correlation, receive_count(record), last=False)
                continue
        answer.append(record_id)
        _log(failed, mids, correlation, receive_count(record), last=_last(record))
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in answer]}


def _last(record: Mapping[str, Any]) -> bool:
    """Whether SQS moves this record to the DLQ if it fails now. Without the queue's
    maxReceiveCount it cannot tell: then every attempt counts as the last, so that a DLQ's
    reason is never logged below ERROR."""
    most = os.environ.get(MAX_RECEIVE_COUNT, "")
    return not most.isdigit() or receive_count(record) >= int(most)


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
