"""A botocore event handler on every client of the default boto3 session, for a test's while;
the DynamoDB operations a block calls, through one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from socialscore.aws import clients


@contextmanager
def hooked(event: str, handler: Callable[..., Any]) -> Iterator[None]:
    """`handler` on `event` (e.g. `before-call`) meanwhile; the product's cached clients are made
    again on both sides, since a client copies its session's handlers when it is made."""
    assert boto3.DEFAULT_SESSION is not None
    events = boto3.DEFAULT_SESSION.events
    events.register(event, handler, unique_id=event)  # an id is unique across events
    clients.reset()
    try:
        yield
    finally:
        events.unregister(event, unique_id=event)
        clients.reset()


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB operations the block calls, in order."""
    calls: list[str] = []
    with hooked("before-call.dynamodb", lambda model, **_: calls.append(model.name)):
        yield calls
