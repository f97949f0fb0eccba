"""The score stage stopped for a rebuild: the ScoreQueue's trigger (its Lambda event source
mapping) disabled, then enabled again, whatever happens in between.

The score stage is the only writer of the ledger and the scores. While its trigger is off,
webhooks keep arriving and wait in the ScoreQueue (kept 4 days): nothing is received, so
nothing counts towards its DLQ, and they are scored after the rebuild, with the new model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from socialscore.aws import clients
from socialscore_ops.stack import OpsError, Stack

QUEUE = "ScoreQueue"
POLL_SECONDS = 2.0
_OFF = ("Disabled", "Disabling")  # anything else (Enabled, Updating...) may still deliver


@dataclass(frozen=True)
class Queue:
    """The ScoreQueue, with SQS's approximate counts of its messages."""

    arn: str
    waiting: int
    in_flight: int  # handed to a batch that has not ended
    delayed: int


def queue(stack: Stack) -> Queue:
    found = clients.client("sqs").get_queue_attributes(
        QueueUrl=stack.queue_url(QUEUE),
        AttributeNames=[
            "QueueArn",
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return Queue(
        found["QueueArn"],
        int(found.get("ApproximateNumberOfMessages", 0)),
        int(found.get("ApproximateNumberOfMessagesNotVisible", 0)),
        int(found.get("ApproximateNumberOfMessagesDelayed", 0)),
    )


def triggers(arn: str) -> list[dict[str, Any]]:
    pages = clients.client("lambda").get_paginator("list_event_source_mappings")
    return [m for page in pages.paginate(EventSourceArn=arn) for m in page["EventSourceMappings"]]


def idle(stack: Stack) -> None:
    """For --no-pause: refuse unless the ScoreQueue is empty (nothing waits to be scored)."""
    q = queue(stack)
    if busy := q.waiting + q.in_flight + q.delayed:
        raise OpsError(
            f"{busy:,} messages in the {QUEUE}: without a pause the score stage must be idle "
            "(let it drain, and stop sending webhooks)"
        )


@contextmanager
def paused(
    stack: Stack, wait_seconds: float, stopped_run: list[str], record: Callable[[list[str]], None]
) -> Iterator[list[str]]:
    """Disable the ScoreQueue's triggers that are on (and those a stopped run disabled, named
    in `stopped_run`), wait until they are off and no batch is in flight, and yield their
    UUIDs; enable them again on the way out. `record` is told them before they are disabled,
    so that a run killed meanwhile leaves their names in the checkpoint, and told [] once they
    are enabled again."""
    arn = queue(stack).arn
    found = triggers(arn)
    if not found:
        raise OpsError(
            f"no Lambda trigger reads the {QUEUE} ({arn}), so none can be paused: stop whatever "
            "scores (with serve: send no webhooks) and run with --no-pause"
        )
    ours = sorted(
        m["UUID"] for m in found if m["State"] not in _OFF or m["UUID"] in set(stopped_run)
    )
    record(ours)
    lam = clients.client("lambda")
    try:
        for uuid in ours:
            lam.update_event_source_mapping(UUID=uuid, Enabled=False)
        _until_stopped(stack, [m["UUID"] for m in found], wait_seconds)
        yield ours
    finally:
        for uuid in ours:
            lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        record([])  # not reached when enabling failed: the checkpoint still names them


def _until_stopped(stack: Stack, uuids: list[str], wait_seconds: float) -> None:
    """Until every trigger is Disabled and nothing is in flight, twice in a row: SQS's counts
    are approximate, and a batch received just before the trigger stopped still runs."""
    lam = clients.client("lambda")
    deadline = time.monotonic() + wait_seconds
    settled = 0
    while True:
        states = [lam.get_event_source_mapping(UUID=u)["State"] for u in uuids]
        in_flight = queue(stack).in_flight
        settled = settled + 1 if in_flight == 0 and set(states) == {"Disabled"} else 0
        if settled == 2:
            return
        if time.monotonic() >= deadline:
            raise OpsError(
                f"the score stage did not stop within {wait_seconds:g} s (triggers: "
                f"{', '.join(sorted(set(states)))}; {in_flight:,} messages in flight): "
                "run again later, or with a longer --wait"
            )
        time.sleep(POLL_SECONDS)
