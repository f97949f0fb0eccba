"""A DynamoDB table on moto as template.yaml declares it (keys and indexes), for the stores'
contract tests: `make(logical)` creates it and returns its name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from socialscore.aws import clients
from socialscore_ops.template import Template

TEMPLATE = Template.read(Path(__file__).resolve().parents[2] / "template.yaml")
# botocore's endpoint and service files, read once a process: moto leaves each mock a new default
# session, which read them again at its first client (45 ms, twice a case: half a contract case's
# time on moto). The local runtime shares its loader the same way (socialscore_local.runtime).
_MODELS = botocore.loaders.create_loader()


@pytest.fixture
def moto_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """`make(logical)`: a table on moto as template.yaml declares it, named by its logical id."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        core = botocore.session.get_session()
        core.register_component("data_loader", _MODELS)
        boto3.DEFAULT_SESSION = boto3.Session(botocore_session=core)  # moto's again at its stop
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
