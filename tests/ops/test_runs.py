"""invoke and env-vars against a stack: a function or an event file the stack refuses, the
env-vars file from a deployed stack's resources (moto). What needs no stack (a sample signed now,
a function named as a person names it) is proven in tests/unit/test_cli_without_aws.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from moto import mock_aws

from socialscore.aws import clients
from tests.ops.conftest import DeployedStack
from tests.unit.cli_answers import socialscore

ROOT = Path(__file__).resolve().parents[2]


def test_invoking_a_function_the_stack_does_not_have_is_one_line(
    fresh_stack: DeployedStack,
) -> None:
    answer = fresh_stack.socialscore(
        "invoke", "nosuch", "--event", str(ROOT / "events" / "score_sqs.json")
    )
    assert (answer.code, answer.err) == (
        2,
        f"socialscore: {fresh_stack.name} has no function NosuchFunction (it has none)\n",
    )


def test_an_event_file_that_is_not_json_is_one_line(
    fresh_stack: DeployedStack, tmp_path: Path
) -> None:
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    answer = fresh_stack.socialscore("invoke", "score", "-e", str(bad))
    assert answer.code == 2
    assert answer.err.startswith(f"socialscore: {bad} is not JSON: ")
    assert answer.err.count("\n") == 1


# --- env-vars --------------------------------------------------------------------------------
SAM = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Parameters": {"LogLevel": {"Type": "String", "Default": "INFO"}},
    "Globals": {"Function": {"Environment": {"Variables": {"LEVEL": {"Ref": "LogLevel"}}}}},
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "OneFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "functions/one/",
                "Handler": "one.handler",
                "Environment": {
                    "Variables": {
                        "TABLE": {"Ref": "Table"},
                        "QUEUE_URL": {"Ref": "Queue"},
                        "STACK": {"Ref": "AWS::StackName"},
                        "SERVICE": "one",
                        "TABLE_ARN": {"Fn::GetAtt": ["Table", "Arn"]},
                    }
                },
            },
        },
    },
}
DEPLOYED = {  # what CloudFormation was given for the same logical ids
    "Parameters": {"LogLevel": {"Type": "String"}},
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        },
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
    },
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, "testing" if "REGION" not in name else "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        clients.reset()
        yield
    clients.reset()


def test_env_vars_are_each_function_s_variables_as_the_stack_deployed_them(
    aws: None, tmp_path: Path
) -> None:
    cloudformation = clients.client("cloudformation")
    cloudformation.create_stack(
        StackName="dev",
        TemplateBody=json.dumps(DEPLOYED),
        Parameters=[{"ParameterKey": "LogLevel", "ParameterValue": "DEBUG"}],
    )
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName="dev")["StackResources"]
    }
    template = tmp_path / "template.yaml"
    template.write_text(yaml.safe_dump(SAM))

    found = socialscore(
        "env-vars", "--stack", "dev", "--region", "eu-west-1", "--template", str(template)
    )

    assert found.code == 1  # one variable could not be filled in: said, the rest written
    assert json.loads(found.out) == {
        "OneFunction": {
            "LEVEL": "DEBUG",
            "TABLE": resources["Table"],
            "QUEUE_URL": resources["Queue"],
            "STACK": "dev",
            "SERVICE": "one",
        }
    }
    assert found.err == "socialscore: OneFunction.TABLE_ARN: dev has no Table.Arn\n"
