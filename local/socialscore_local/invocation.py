"""What a function sees when the local runtime invokes it: the context object Lambda hands its
handler, its environment variables (set for the invocation, the harness's put back after), and
the AWS SDK session its clients and the runtime's come from."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore import UNSIGNED

from socialscore_local.http_api import ACCOUNT
from socialscore_local.sqs_events import REGION

# The AWS service models are read-only data: parsed once a process, not again for each new
# session as botocore would (each start makes two sessions, as a new container would; the parse
# was about half of a runtime's start: 0.59 -> 0.31 s CPU).
_MODELS = botocore.loaders.create_loader()
# moto's DynamoDB and SQS check no signature (its IAM auth is off, and an unsigned request is
# answered for the same default account as one signed with the runtime's "local" key): the
# runtime's clients and the handlers' send those calls unsigned (botocore's UNSIGNED, chosen
# first for them); signing was a fifth of a call's CPU (an empty SQS receive 0.75 -> 0.62 ms,
# a demo run -0.35 s). Every other service is signed as before: moto's S3 answers an unsigned
# request as an anonymous one (403 on a private bucket).
_UNSIGNED_SERVICES = ("dynamodb", "sqs")


def sdk_session() -> boto3.session.Session:
    """A session as a new Lambda container makes one: the models parsed once, DynamoDB and SQS
    unsigned."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    events = core.get_component("event_emitter")
    for service in _UNSIGNED_SERVICES:
        events.register_first(
            f"choose-signer.{service}", _unsigned, unique_id=f"ss-unsigned-{service}"
        )
    return boto3.session.Session(botocore_session=core, region_name=REGION)


def _unsigned(**_: Any) -> Any:
    return UNSIGNED


@dataclass
class LocalContext:
    """What a Lambda handler reads from its context object."""

    function_name: str
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


# An invocation changes a few of the process's ~80 variables, and each one set or unset is a
# putenv/unsetenv: only those that differ are touched (0.22 -> 0.08 ms an invocation).
def environ_with(variables: dict[str, str]) -> None:
    """os.environ.update(variables)."""
    for name, value in variables.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def environ_as(variables: dict[str, str]) -> None:
    """os.environ.clear(), then os.environ.update(variables)."""
    for name in [n for n in os.environ if n not in variables]:
        del os.environ[name]
    environ_with(variables)
