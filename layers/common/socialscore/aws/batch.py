"""SQS batches with partial failure: parse each record, report exactly the ones that failed.

Powertools' BatchProcessor handles one record at a time; these stages work on the whole batch
at once (one cache read, one provider call, one transaction per batch), so they parse with this
and answer in the same `batchItemFailures` shape. The records are read as the plain dicts
Lambda hands over, and pydantic is imported by the first parse: the handlers import this
module, and their import is kept to what a cold start cannot do without.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from socialscore.aws.logs import logger
from socialscore.aws.sqs import correlation_id, message_of, unpack

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


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


def parse(event: dict[str, Any], adapter: TypeAdapter[T]) -> tuple[list[tuple[str, T]], list[str]]:
    """(message id, message) for every valid message of the records (a pack's each, named by
    aws.sqs.item_id), and the ids of the poison ones.

    A poison message is logged with its id and validation errors and reported failed, so SQS
    moves it to the DLQ after maxReceiveCount while the rest of the batch goes on.
    """
    from pydantic import ValidationError

    parsed: list[tuple[str, T]] = []
    poison: list[str] = []
    for record in event["Records"]:
        for message_id, body in unpack(record["messageId"], record["body"]):
            try:
                parsed.append((message_id, adapter.validate_json(body)))
            except ValidationError as err:
                logger().error(
                    "poison message", extra={"message_id": message_id, "errors": _reasons(err)}
                )
                poison.append(message_id)
    return parsed, poison


def partial_response(
    failed: Iterable[str],
    event: dict[str, Any] | None = None,
    alone: Requeue | None = None,
) -> dict[str, Any]:
    """Lambda's partial batch answer for these failed message ids.

    A pack some of whose messages failed is split: those messages are sent back to `alone` (the
    stage's own queue) each as a message of its own, and the pack is done; a pack that failed
    whole, or whose messages could not be sent back, fails as one. So a message that keeps
    failing reaches the DLQ alone, and its pack-mates are not run again.
    """
    failed = list(dict.fromkeys(failed))
    records = {r["messageId"]: r for r in (event or {}).get("Records", [])}
    split: dict[str, list[str]] = {}
    for mid in failed:
        split.setdefault(message_of(mid), []).append(mid)
    answer: list[str] = []
    for record_id, mids in split.items():
        record = records.get(record_id)
        packed = dict(unpack(record_id, record["body"])) if record else {}
        if alone is None or not set(mids) < set(packed):
            answer.append(record_id)
            continue
        correlation = {m: c for m in mids if (c := correlation_id(record or {}))}
        again = [(m, packed[m], 0) for m in mids]
        if alone.send_later(again, correlation_ids=correlation, packed=False):
            answer.append(record_id)
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in answer]}


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
