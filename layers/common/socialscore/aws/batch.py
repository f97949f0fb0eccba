"""SQS batches with partial failure: parse each record, report exactly the ones that failed.

Powertools' BatchProcessor handles one record at a time; these stages work on the whole batch
at once (one cache read, one provider call, one transaction per batch), so they parse with this
and answer in the same `batchItemFailures` shape. The records are read as the plain dicts
Lambda hands over, and pydantic is imported by the first parse: the handlers import this
module, and their import is kept to what a cold start cannot do without.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from socialscore.aws.logs import logger

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


def parse(event: dict[str, Any], adapter: TypeAdapter[T]) -> tuple[list[tuple[str, T]], list[str]]:
    """(message id, message) for every valid record, and the ids of the poison ones.

    A poison record is logged with its message id and validation errors and reported failed,
    so SQS moves it to the DLQ after maxReceiveCount while the rest of the batch goes on.
    """
    from pydantic import ValidationError

    parsed: list[tuple[str, T]] = []
    poison: list[str] = []
    for record in event["Records"]:
        message_id: str = record["messageId"]
        try:
            parsed.append((message_id, adapter.validate_json(record["body"])))
        except ValidationError as err:
            logger().error(
                "poison message", extra={"message_id": message_id, "errors": _reasons(err)}
            )
            poison.append(message_id)
    return parsed, poison


def partial_response(failed: Iterable[str]) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in dict.fromkeys(failed)]}


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
