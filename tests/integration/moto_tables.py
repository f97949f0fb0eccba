"""A DynamoDB table on moto as template.yaml declares it (keys and indexes), for the stores'
contract tests: `make(logical)` creates it and returns its name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from socialscore.aws import clients
from socialscore_ops.template import Template

TEMPLATE = Template.read(Path(__file__).resolve().parents[2] / "template.yaml")
# One boto3 session for every table of this process: moto hands each mock a new default session,
# and a new session reads botocore's endpoint and service files again at its first client (45 ms,
# twice a test: half a contract case's time on moto). The clients stay the mock's (moto answers
# through botocore's handlers, whatever the session), its credentials the ones set below.
_SESSION: list[boto3.Session] = []


@pytest.fixture
def moto_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """`make(logical)`: a table on moto as template.yaml declares it, named by its logical id."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        if not _SESSION:
            _SESSION.append(boto3.Session())
        boto3.DEFAULT_SESSION = _SESSION[0]  # moto puts back its own when the mock stops
        clients.reset()  # a client made outside this mock would escape it

        def make(logical: str) -> str:
            props = TEMPLATE.of_type("AWS::DynamoDB::Table")[logical]
            boto3.client("dynamodb").create_table(
                TableName=logical,
                KeySchema=props["KeySchema"],
                AttributeDefinitions=props["AttributeDefinitions"],
                BillingMode="PAY_PER_REQUEST",
                **{k: props[k] for k in ("GlobalSecondaryIndexes",) if k in props},
            )
            return logical

        yield make
    clients.reset()
