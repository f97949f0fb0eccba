"""ops/iam/operator-policy.json lets an operator run every `socialscore` command on a deployed
stack and nothing more: it is checked against every AWS call the command's code can make (read
from the code, so that a new call without its permission fails here), both ways.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "ops/iam/operator-policy.json"
PACKAGES = {
    "socialscore": ROOT / "layers/common/socialscore",
    "socialscore_ops": ROOT / "ops/socialscore_ops",
}

# Where the permission is not the operation's own name, as each vendor documents it.
PERMISSIONS = {
    # "setting permissions for SendMessage, DeleteMessage, or ChangeMessageVisibility sets
    # permissions for the corresponding batch versions" (you cannot name the batch ones):
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html
    "sqs:SendMessageBatch": {"sqs:SendMessage"},
    "sqs:DeleteMessageBatch": {"sqs:DeleteMessage"},
    "sqs:ChangeMessageVisibilityBatch": {"sqs:ChangeMessageVisibility"},
    # A transaction's Put, Update and Delete need PutItem, UpdateItem and DeleteItem, its
    # ConditionCheck dynamodb:ConditionCheckItem (the store's transactions use these four: the
    # ledger's deletes a scores item left counting nothing):
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
    "dynamodb:TransactWriteItems": {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    },
    "lambda:Invoke": {"lambda:InvokeFunction"},
    # HEAD needs s3:GetObject; without s3:ListBucket a missing object answers 403, not 404, and
    # `report --link` could not say "no report written yet":
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
    "s3:HeadObject": {"s3:GetObject", "s3:ListBucket"},
}
# Actions that name no resource, so the policy must say "*": ListMetrics and GetMetricData
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html)
# and ListEventSourceMappings (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
EVERY_RESOURCE = {
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "lambda:ListEventSourceMappings",
}
# Calls of an AWS operation's name on something that is not a boto3 client: each one's AWS call
# is found where it is made.
WRAPPERS = {
    "dynamo.scan",  # socialscore.store.dynamo.scan: the Scan paginator
    "dynamo.query",  # socialscore.store.dynamo.query: the Query paginator
    "stack.invoke",  # Stack.invoke: Lambda's Invoke
    "_stack(stack).invoke",
    "parameters.get_parameter",  # Powertools' SSM GetParameter (the policy allows it anyway)
}
# Calls named like an AWS operation that are no AWS call: Salesforce's SOQL query over its REST
# API (crm.salesforce_api), reached through the links from CRM fields (`identities` commands).
NOT_AWS = {
    "socialscore.crm.salesforce_api: self.query",
    "socialscore.crm.contact_fields: self._api.query",
}


def _path(module: str) -> Path | None:
    top, *rest = module.split(".")
    if top not in PACKAGES:
        return None
    base = PACKAGES[top].joinpath(*rest)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@cache
def reached() -> dict[str, ast.Module]:
    """Every project module the CLI can import, from any of its own modules, parsed."""
    found: dict[str, ast.Module] = {}
    todo = [f"socialscore_ops.{p.stem}" for p in PACKAGES["socialscore_ops"].glob("*.py")]
    while todo:
        module = todo.pop()
        path = _path(module)
        if module in found or path is None:
            continue
        tree = found[module] = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                todo += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return found


def _client(node: ast.expr) -> str | None:
    """The service of `clients.client("sqs")` or `boto3.client("s3", ...)`."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
        return None
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    return str(node.args[0].value) if name == "client" else None


def _calls(scope: ast.AST) -> Iterator[tuple[str, str, ast.Call]]:
    """(service, method, call) of each method called on a client in this function or module,
    whether on the client expression itself or on a name bound to one."""
    bound: dict[str, str] = {}
    nodes = list(ast.walk(scope))  # walked once: the bindings first, then the calls on them
    for node in nodes:
        if isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
            pairs = (
                zip(target.elts, value.elts, strict=True)
                if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                else [(target, value)]
            )
            bound |= {t.id: s for t, v in pairs if isinstance(t, ast.Name) and (s := _client(v))}
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            on = node.func.value
            service = _client(on) or (bound.get(on.id) if isinstance(on, ast.Name) else None)
            if service:
                yield service, node.func.attr, node


@cache
def _operations(service: str) -> dict[str, str]:
    """boto3's method names of a service's operations -> the operations' API names."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def _operation(service: str, method: str, call: ast.Call) -> str | None:
    if method == "get_paginator" or (
        method == "generate_presigned_url"  # a link is a request signed now, sent later
    ):
        method = str(call.args[0].value) if isinstance(call.args[0], ast.Constant) else ""
    return _operations(service).get(method)


@cache
def cli_calls() -> frozenset[str]:
    """service:Operation of every AWS call the CLI's code makes."""
    found = set()
    for tree in reached().values():
        for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
            for service, method, call in _calls(scope):
                if method not in ("meta", "exceptions") and (
                    op := _operation(service, method, call)
                ):
                    found.add(f"{service}:{op}")
    return frozenset(found)


def needed() -> set[str]:
    return {p for call in cli_calls() for p in PERMISSIONS.get(call, {call})}


def statements() -> list[dict[str, Any]]:
    policy = json.loads(POLICY.read_text())
    assert policy["Version"] == "2012-10-17"
    return list(policy["Statement"])


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def allowed() -> dict[str, list[str]]:
    """Each action the policy allows -> the resources it allows it on."""
    found: dict[str, list[str]] = {}
    for statement in statements():
        assert statement["Effect"] == "Allow"
        for action in _listed(statement["Action"]):
            found.setdefault(action, []).extend(_listed(statement["Resource"]))
    return found


def test_the_code_scan_finds_the_cli_s_calls() -> None:
    """The scan sees calls made through the store's repositories as well as the CLI's own."""
    assert {
        "cloudformation:DescribeStacks",  # socialscore_ops.stack
        "dynamodb:Query",  # socialscore.store.ledger, through a paginator
        "sqs:SendMessageBatch",  # socialscore.aws.sqs, redrive
        "s3:GetObject",  # the presigned link
    } <= cli_calls()


def test_every_aws_call_the_cli_makes_is_allowed() -> None:
    assert needed() - set(allowed()) == set()


def test_the_policy_allows_nothing_the_cli_does_not_do() -> None:
    assert set(allowed()) - needed() == set()


def test_no_call_escapes_the_scan() -> None:
    """A call named like an AWS operation on anything but a client is one of the known wrappers
    (a new way of calling AWS would otherwise escape the two tests above)."""
    names = {m for call in cli_calls() for m in _operations(call.split(":")[0])}
    strays = set()
    for module, tree in reached().items():
        # The module's own scope holds every binding of its functions': what any inner scope
        # finds, it finds (a call on a name bound in a function is found in the module too).
        seen = {id(c) for *_, c in _calls(tree)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in names
                and id(node) not in seen
                and ast.unparse(node.func) not in WRAPPERS
            ):
                strays.add(f"{module}: {ast.unparse(node.func)}")
    assert strays - NOT_AWS == set()


def test_every_resource_is_the_stack_s_own_unless_the_action_names_none() -> None:
    for action, resources in allowed().items():
        if action in EVERY_RESOURCE:
            assert resources == ["*"], action
        else:
            assert all("<" in r and r != "*" for r in resources), action


FILLED = {
    "<region>": "eu-west-1",
    "<account>": "123456789012",
    "<stack>": "socialscore-prod",
    "<tables>": "socialscore-prod",
    "<model-parameter>": "socialscore/scoring-model",
    "<report-bucket>": "socialscore-prod-reportbucket-1a2b3c4d5e6f",
}


def test_filled_in_as_the_readme_says_it_names_the_stack_s_resources() -> None:
    text = POLICY.read_text()
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    assert "<" not in text
    resources = [r for s in json.loads(text)["Statement"] for r in _listed(s["Resource"])]

    assert "arn:aws:lambda:eu-west-1:123456789012:function:socialscore-prod-*" in resources
    assert "arn:aws:ssm:eu-west-1:123456789012:parameter/socialscore/scoring-model" in resources


@pytest.mark.parametrize("kind", ["FunctionName", "LogGroupName"])
def test_the_template_names_functions_and_logs_as_the_policy_expects(kind: str) -> None:
    """Functions are `<stack>-<stage>` and log to /aws/lambda/<stack>-<stage>: the policy's
    patterns hold for every one the template declares."""
    names = re.findall(rf"^\s+{kind}: !Sub (\S+)", (ROOT / "template.yaml").read_text(), re.M)
    prefix = {"FunctionName": "${AWS::StackName}-", "LogGroupName": "/aws/"}[kind]

    assert names
    assert all(n.startswith(prefix) and "${AWS::StackName}-" in n for n in names)
