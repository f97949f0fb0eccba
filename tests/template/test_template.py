"""template.yaml: lint, offline SAM transform, and the properties DESIGN.md asks of it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.api import lint_file
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from socialscore_local.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template.read(ROOT / "template.yaml")
FUNCTIONS = {f.logical_id: f for f in TEMPLATE.functions()}


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only when a template names them by name."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    document = Template.read(ROOT / "template.yaml").document
    for logical, resource in document["Resources"].items():  # what `sam package` does first
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = f"s3://artifacts/{logical}.zip"
    translator = Translator(
        None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1")
    )
    parameters = {"AWS::AccountId": "123456789012"}
    result: dict[str, Any] = translator.translate(document, parameters, _NoManagedPolicies().load)
    return result["Resources"]


def test_cfn_lint_passes() -> None:
    problems = lint_file(ROOT / "template.yaml")
    assert problems == [], "\n".join(str(p) for p in problems)


def test_sam_transform_makes_the_five_functions_and_their_triggers(transformed: dict) -> None:
    kinds = [r["Type"] for r in transformed.values()]
    assert kinds.count("AWS::Lambda::Function") == 5
    assert kinds.count("AWS::Lambda::EventSourceMapping") == 3
    assert kinds.count("AWS::Scheduler::Schedule") == 1
    mappings = [
        r["Properties"] for r in transformed.values() if r["Type"].endswith("SourceMapping")
    ]
    assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)


def test_schedule_name_is_unique_per_stack(transformed: dict) -> None:
    (schedule,) = [r for r in transformed.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert "${AWS::StackName}" in schedule["Properties"]["Name"]["Fn::Sub"]


@pytest.mark.parametrize("consumer", [f for f in FUNCTIONS.values() if f.queue_sources])
def test_every_consumed_queue_has_a_dlq_and_six_times_the_visibility(consumer: Any) -> None:
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    for source in consumer.queue_sources:
        queue = queues[source.queue]
        assert queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues
        assert queue["RedrivePolicy"]["maxReceiveCount"] >= 1
        assert queue["VisibilityTimeout"] >= 6 * consumer.timeout
        assert source.report_failures


def test_tables_are_on_demand_with_point_in_time_recovery() -> None:
    tables = TEMPLATE.of_type("AWS::DynamoDB::Table")
    assert len(tables) == 6
    for props in tables.values():
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_function_roles_never_grant_wildcards(transformed: dict) -> None:
    roles = [r for r in transformed.values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 6  # five functions and the scheduler
    for role in roles:
        for policy in _policies(role["Properties"].get("Policies", [])):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                for action in [actions] if isinstance(actions, str) else actions:
                    assert action != "*"
                    assert not action.endswith(":*"), action  # a whole service
                assert statement.get("Resource") != "*", policy


@pytest.mark.parametrize("function", FUNCTIONS.values(), ids=lambda f: f.logical_id)
def test_every_handler_path_imports(function: Any) -> None:
    module, attribute = function.handler.rsplit(".", 1)
    path = ROOT / function.code_uri / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"template_check_{module}", path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    assert callable(getattr(loaded, attribute))


def _policies(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Inline policies, with both branches of a conditional one (Fn::If)."""
    out = []
    for policy in policies:
        if "Fn::If" in policy:
            out += [
                p for p in policy["Fn::If"][1:] if isinstance(p, dict) and "PolicyDocument" in p
            ]
        else:
            out.append(policy)
    return out
