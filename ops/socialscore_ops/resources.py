"""outputs, env-vars: where a stack's resources are, for a person and for `sam local invoke`.

Locally, serve evaluates the template's outputs as CloudFormation would; the API it answers on
is serve itself, not an execute-api host, so `outputs` shows serve's address there.

`env-vars` writes the file `sam local invoke --env-vars FILE` reads: for each function of
template.yaml, each of its environment variables as the deployed stack gives them
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/
serverless-sam-cli-using-invoke.html: `{"<logical id>": {"NAME": "value"}}`). A `!Ref` of a
resource is that resource's physical id among the stack's resources (a table's name, a queue's
URL, a secret's ARN), of a parameter the value the stack was deployed with.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from socialscore.aws import clients
from socialscore_ops.commands import Result, command
from socialscore_ops.output import table
from socialscore_ops.stack import OpsError, Stack

LOCAL_API = ("ApiUrl", "EngageUrl")  # outputs that are serve's own address when local


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    command(verbs, shared, "outputs", outputs)
    env = command(verbs, shared, "env-vars", env_vars)
    env.add_argument(
        "--template",
        type=Path,
        default=Path("template.yaml"),
        metavar="FILE",
        help="the stack's template (default template.yaml, as sam reads it)",
    )
    env.epilog = "Then: sam local invoke FUNCTION --env-vars FILE -e events/<sample>.json"


def outputs(stack: Stack | None, args: argparse.Namespace) -> Result:
    if stack is None:
        raise OpsError("no stack")
    found = dict(stack.outputs)
    lines = []
    if stack.serve is not None:
        found = _served(found, stack.serve)
        lines.append(
            f"serve at {stack.serve}: its moto answers every AWS call; the names below are "
            "moto's, the functions run in serve (socialscore invoke)"
        )
    rows = sorted(found.items())
    return Result(dict(rows), "\n".join([*lines, table(["output", "value"], rows)]))


def _served(found: dict[str, str], serve: str) -> dict[str, str]:
    """The API's outputs as serve's address: the template's execute-api URL exists on AWS only."""
    api = found.get("ApiUrl", "")
    return {
        key: serve + value.removeprefix(api) if key in LOCAL_API and api else value
        for key, value in found.items()
    }


# --- env-vars ---------------------------------------------------------------------------------
def env_vars(stack: Stack | None, args: argparse.Namespace) -> Result:
    if stack is None:
        raise OpsError("no stack")
    if stack.serve is not None:
        raise OpsError(
            "env-vars is for sam local invoke against a deployed stack (--stack NAME); "
            "locally, socialscore invoke runs a function in serve"
        )
    try:
        from socialscore_ops.template import Template, evaluate
    except ImportError:  # PyYAML comes with the local runtime (make setup)
        raise OpsError("env-vars reads template.yaml with PyYAML: run `make setup`") from None
    if not args.template.is_file():
        raise OpsError(f"no template {args.template}: run it in the project's folder")
    parameters, physical = _deployed(stack.name)
    template = Template.read(args.template).applied(parameters)
    conditions = template.document.get("Conditions", {})
    unresolved: list[str] = []
    found: dict[str, dict[str, str]] = {}

    def ref(logical: str, attribute: str | None) -> Any:
        if attribute is None and logical in physical:
            return physical[logical]
        raise LookupError(logical if attribute is None else f"{logical}.{attribute}")

    for fn in template.functions():
        values: dict[str, str] = {}
        for name, spec in fn.environment.items():
            try:
                value = evaluate(spec, ref, parameters, conditions)
            except LookupError as missing:
                unresolved.append(f"{fn.logical_id}.{name}: {stack.name} has no {missing}")
                continue
            if value is not None:
                values[name] = str(value)
        found[fn.logical_id] = values
    return Result(
        found,
        json.dumps(found, indent=2, sort_keys=True),
        notes=tuple(unresolved),
        status=1 if unresolved else 0,
    )


def _deployed(name: str) -> tuple[dict[str, str], dict[str, str]]:
    """(the stack's parameters with the pseudo parameters, logical id -> physical id)."""
    cloudformation = clients.client("cloudformation")
    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    stack_id: str = described["StackId"]  # arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID
    _, partition, _, region, account, _ = stack_id.split(":", 5)
    parameters = {
        p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])
    }
    parameters |= {
        "AWS::StackName": described["StackName"],
        "AWS::StackId": stack_id,
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
    }
    physical = {logical: found for logical, (_, found) in stack_resources(name).items()}
    return parameters, physical


def stack_resources(name: str) -> dict[str, tuple[str, str]]:
    """A deployed stack's resources: logical id -> (type, physical id) (ListStackResources:
    after SAM's transform a function is an AWS::Lambda::Function under its own logical id, and
    its physical id is its name)."""
    found: dict[str, tuple[str, str]] = {}
    pages = clients.client("cloudformation").get_paginator("list_stack_resources")
    for page in pages.paginate(StackName=name):
        for resource in page["StackResourceSummaries"]:
            if resource.get("PhysicalResourceId"):
                found[resource["LogicalResourceId"]] = (
                    resource["ResourceType"],
                    resource["PhysicalResourceId"],
                )
    return found
