"""A runtime's state, copied: what the demo's traffic leaves in moto (every table's items, every
secret's value) and in the work directory (the file CRM's files), taken once from a runtime that
ran the traffic and written into a new runtime's resources. A test that writes then gets a stack
of its own with the demo's data for the price of a start and a few batch writes (about 0.3 s),
not of the demo's replay through the whole pipeline (3.5-5 s).

What the copy does not carry it refuses to take: a message in a queue, a log event, an object in
a bucket, a parameter. A copy of the demo is then the demo's state whole, or no copy at all.
shared() hands one build to every worker of a test run that asks."""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from socialscore_local.runtime import LocalRuntime

T = TypeVar("T")
_PER_BATCH = 25  # BatchWriteItem's limit
_WAIT_SECONDS = 120.0  # for another process's build; then build here (it may have been killed)


@dataclass(frozen=True)
class State:
    items: dict[str, list[dict[str, Any]]]  # table's logical id -> its items, as DynamoDB types
    secrets: dict[str, str]  # secret's logical id -> its value
    files: dict[str, bytes]  # path under the work directory -> its bytes


def taken(rt: LocalRuntime) -> State:
    """The runtime's state, refused if any of it lies where a copy would not carry it."""
    _refuse_what_is_not_copied(rt)
    dynamodb, secrets = rt.client("dynamodb"), rt.client("secretsmanager")
    items = {}
    for logical in rt.template.of_type("AWS::DynamoDB::Table"):
        pages = dynamodb.get_paginator("scan").paginate(TableName=rt.table(logical))
        items[logical] = [item for page in pages for item in page["Items"]]
    values = {
        logical: str(secrets.get_secret_value(SecretId=rt.physical[logical]["Ref"])["SecretString"])
        for logical in rt.template.of_type("AWS::SecretsManager::Secret")
    }
    files = {
        str(path.relative_to(rt.workdir)): path.read_bytes()
        for path in sorted(rt.workdir.rglob("*"))
        if path.is_file()
    }
    return State(items, values, files)


def put(rt: LocalRuntime, state: State) -> None:
    """Write `state` into a runtime just started (its resources provisioned, empty)."""
    dynamodb, secrets = rt.client("dynamodb"), rt.client("secretsmanager")
    for logical, items in state.items.items():
        name = rt.table(logical)
        for start in range(0, len(items), _PER_BATCH):
            batch = [{"PutRequest": {"Item": i}} for i in items[start : start + _PER_BATCH]]
            reply = dynamodb.batch_write_item(RequestItems={name: batch})
            if reply.get("UnprocessedItems"):  # moto writes all or raises: never silently less
                raise RuntimeError(f"{name}: {len(reply['UnprocessedItems'][name])} not written")
    for logical, value in state.secrets.items():
        secrets.put_secret_value(SecretId=rt.physical[logical]["Ref"], SecretString=value)
    for relative, content in state.files.items():
        path = rt.workdir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _refuse_what_is_not_copied(rt: LocalRuntime) -> None:
    held: list[str] = []
    sqs = rt.client("sqs")
    counts = ("", "NotVisible", "Delayed")
    names = [f"ApproximateNumberOfMessages{count}" for count in counts]
    for logical in rt.template.of_type("AWS::SQS::Queue"):
        found = sqs.get_queue_attributes(QueueUrl=rt.queue_url(logical), AttributeNames=names)
        if any(int(n) for n in found["Attributes"].values()):
            held.append(f"messages in {logical}")
    logs = rt.client("logs")
    for group in logs.describe_log_groups()["logGroups"]:
        name = group["logGroupName"]
        if logs.filter_log_events(logGroupName=name, limit=1)["events"]:
            held.append(f"log events in {name}")
    s3 = rt.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        if s3.list_objects_v2(Bucket=bucket["Name"], MaxKeys=1).get("KeyCount"):
            held.append(f"objects in {bucket['Name']}")
    # moto builds a service's backend on the service's first call: no call, nothing stored (and
    # building SSM's, with AWS's public parameters, costs 0.7 s of CPU a process).
    ssm_called = "moto.ssm.models" in sys.modules
    if ssm_called and rt.client("ssm").describe_parameters()["Parameters"]:
        held.append("SSM parameters")
    if held:
        raise ValueError(f"the copy would lose {', '.join(held)}")


def shared(directory: Path, build: Callable[[], T]) -> T:
    """build() once for the processes that share `directory` (xdist's workers of one run): the
    first to ask builds it and leaves it there (a pickle: our own, in the run's base temp
    directory); the others wait for it instead of building it again, or build it themselves
    when the first failed."""
    directory.mkdir(mode=0o700, exist_ok=True)
    done, failed = directory / "built.pickle", directory / "failed"
    try:
        os.close(os.open(directory / "claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + _WAIT_SECONDS
        while time.monotonic() < deadline and not failed.exists():
            if done.exists():
                return cast(T, pickle.loads(done.read_bytes()))
            time.sleep(0.05)
        return build()
    try:
        built = build()
    except BaseException:
        failed.touch()
        raise
    partial = directory / f"built.{os.getpid()}"
    partial.write_bytes(pickle.dumps(built))
    partial.replace(done)  # whole or not at all, for the processes waiting on it
    return built
