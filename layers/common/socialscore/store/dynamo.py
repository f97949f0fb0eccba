"""Plain dicts to and from DynamoDB's typed attribute values, batched reads and writes, and
DynamoDB's refusals of a request for what it holds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from socialscore.aws import clients
from socialscore.aws.http import backoff
from socialscore.domain.limits import Refused

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()
_ATTEMPTS = 8
# TransactWriteItems groups up to 100 actions, no two on one item, their items 4 MB in all
# (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
MAX_ACTIONS = 100

Item = dict[str, Any]


def to_item(values: dict[str, Any]) -> Item:
    return {k: _SERIALIZER.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Item) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}


def _until_processed(
    call: Callable[[dict[str, Any]], dict[str, Any]], request: dict[str, Any], leftover: str
) -> None:
    for attempt in range(_ATTEMPTS):
        if attempt:
            time.sleep(backoff(0.05, attempt))  # unprocessed entries mean throttling: back off
        request = call(request).get(leftover) or {}
        if not request:
            return
    raise RuntimeError(f"DynamoDB left entries unprocessed after {_ATTEMPTS} attempts")


def batch_get_keys(
    table: str,
    keys: list[dict[str, str]],
    consistent: bool = False,
    attributes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Items by (string) key attributes from one table, 100 keys a call; only `attributes` of
    each when given."""
    asked: dict[str, Any] = {}
    if attributes:  # names aliased: some (`key`) are reserved words
        asked["ProjectionExpression"] = ", ".join(f"#a{n}" for n in range(len(attributes)))
        asked["ExpressionAttributeNames"] = {f"#a{n}": a for n, a in enumerate(attributes)}
    return _batch_get([(table, key) for key in keys], consistent, {table: asked}).get(table, [])


def batch_get(
    table: str,
    key_name: str,
    keys: list[str],
    consistent: bool = False,
    attributes: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Items of a table with a single string key, by key."""
    items = batch_get_keys(table, [{key_name: k} for k in keys], consistent, attributes)
    return {item[key_name]: item for item in items}


def batch_get_tables(
    requests: dict[str, tuple[str, list[str]]], consistent: bool = False
) -> dict[str, dict[str, dict[str, Any]]]:
    """Items of several tables, each with a single string key (table -> (key name, keys)), by
    table and key, read together (_batch_get)."""
    asks = [(t, {name: k}) for t, (name, keys) in requests.items() for k in keys]
    found = _batch_get(asks, consistent, {})
    return {t: {i[name]: i for i in found.get(t, [])} for t, (name, _) in requests.items()}


def _batch_get(
    asks: list[tuple[str, dict[str, str]]], consistent: bool, extra: dict[str, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The items of these (table, string key attributes), each asked once, by table: 100 keys a
    call across the tables, a BatchGetItem's RequestItems naming several
    (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html), with a
    table's `extra` (a projection); the keys DynamoDB leaves unprocessed asked again."""
    found: dict[str, list[dict[str, Any]]] = {}

    def call(request: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = clients.client("dynamodb").batch_get_item(RequestItems=request)
        for table, items in reply["Responses"].items():
            found.setdefault(table, []).extend(map(from_item, items))
        return reply

    unique = list({(t, tuple(sorted(k.items()))): (t, k) for t, k in asks}.values())
    for start in range(0, len(unique), 100):
        request: dict[str, Any] = {}
        for table, key in unique[start : start + 100]:
            entry = request.setdefault(
                table, {"Keys": [], "ConsistentRead": consistent, **extra.get(table, {})}
            )
            entry["Keys"].append({name: {"S": value} for name, value in key.items()})
        _until_processed(call, request, "UnprocessedKeys")
    return found


def cancelled(actions: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Write the actions in one TransactWriteItems: None when they landed, else the reasons
    DynamoDB cancelled it for, one per action in the request's order, a `None` code where that
    action did not fail (docs.aws.amazon.com/amazondynamodb/latest/APIReference/
    API_TransactWriteItems.html, API_CancellationReason.html); any other error raised."""
    try:
        clients.client("dynamodb").transact_write_items(TransactItems=actions)
    except ClientError as err:
        if err.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons: list[dict[str, Any]] = err.response.get("CancellationReasons", [])
        return reasons
    return None


def batch_write(table: str, requests: list[dict[str, Any]]) -> None:
    """Put and delete requests on one table, 25 a call."""

    def call(request: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = clients.client("dynamodb").batch_write_item(RequestItems=request)
        return reply

    for start in range(0, len(requests), 25):
        _until_processed(call, {table: requests[start : start + 25]}, "UnprocessedItems")


def query(**request: Any) -> Iterator[list[dict[str, Any]]]:
    """A Query's pages (the paginator's), each as its items' plain values."""
    for page in clients.client("dynamodb").get_paginator("query").paginate(**request):
        yield [from_item(item) for item in page["Items"]]


def scan(table: str, **request: Any) -> list[dict[str, Any]]:
    """Every item of the table (`request`: a Scan's other parameters, e.g. a filter)."""
    return [item for page in scan_pages(table, **request) for item in page]


def scan_pages(table: str, **request: Any) -> Iterator[list[dict[str, Any]]]:
    """A Scan's pages, each as its items' plain values, read as they are asked for."""
    pages = clients.client("dynamodb").get_paginator("scan").paginate(TableName=table, **request)
    for page in pages:
        yield [from_item(item) for item in page["Items"]]


def refusal(err: ClientError) -> Refused | None:
    """The error as `Refused` when DynamoDB refuses the request for what it holds (a key or an
    item over its limits); None for what may pass later (a conflict, throttling, a condition).

    A transaction reports an item too large as a `ValidationError` cancellation reason; a key too
    long fails the whole request with a ValidationException.
    """
    error = err.response.get("Error", {})
    if error.get("Code") == "ValidationException":
        return Refused(f"ValidationException: {error.get('Message', '')}"[:300])
    for reason in err.response.get("CancellationReasons") or []:
        if reason.get("Code") == "ValidationError":
            return Refused(f"ValidationError: {reason.get('Message', '')}"[:300])
    return None


@contextmanager
def refusals() -> Iterator[None]:
    """Raise DynamoDB's refusals of what a request holds as `Refused`; other errors as they are."""
    try:
        yield
    except ClientError as err:
        refused = refusal(err)
        if refused is None:
            raise
        raise refused from err
