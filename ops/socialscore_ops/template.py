"""Read template.yaml: resources, Globals, and the intrinsic functions the template uses.

Here, beside the operator's commands (`socialscore env-vars` evaluates a deployed stack's
function variables with it), so that the local runtime, which provisions from it, imports
downward.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser where PyYAML was built with it: the same documents, read in 20 ms instead of
# 160 ms, and every local runtime (each integration test's) reads template.yaml when it starts.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """YAML with CloudFormation's short-form tags (!Ref, !GetAtt, !Sub, !If, ...)."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _tag)


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506
    return document


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class QueueSource:
    queue: str  # logical id
    batch_size: int
    report_failures: bool


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: str
    handler: str
    timeout: int
    environment: dict[str, Any]
    queue_sources: list[QueueSource] = field(default_factory=list)
    http_routes: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    schedules: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Template:
    path: Path
    document: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> Template:
        return cls(path, load(path))

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.document["Resources"]
        return resources

    def applied(self, parameters: Mapping[str, str]) -> Template:
        """The template as CloudFormation creates it with these parameters: without the
        resources whose Condition is false (Slack delivery when SlackWebhookSecret is empty)."""
        conditions = self.document.get("Conditions", {})

        def no_ref(logical: str, attribute: str | None) -> str:
            return logical  # a condition names parameters, never a resource

        def kept(resource: dict[str, Any]) -> bool:
            name = resource.get("Condition")
            return name is None or bool(evaluate(conditions[name], no_ref, parameters, conditions))

        resources = {k: v for k, v in self.resources.items() if kept(v)}
        return Template(self.path, self.document | {"Resources": resources})

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v.get("Properties", {}) for k, v in self.resources.items() if v["Type"] == kind}

    def parameter_defaults(self) -> dict[str, str]:
        return {
            name: str(spec.get("Default", ""))
            for name, spec in self.document.get("Parameters", {}).items()
        }

    def functions(self) -> list[Function]:
        defaults = self.document.get("Globals", {}).get("Function", {})
        mappings = self.queue_mappings()
        out = []
        for logical_id, props in self.of_type("AWS::Serverless::Function").items():
            props = _merge(defaults, props)
            fn = Function(
                logical_id=logical_id,
                code_uri=props["CodeUri"],
                handler=props["Handler"],
                timeout=int(props.get("Timeout", 3)),
                environment=props.get("Environment", {}).get("Variables", {}),
                queue_sources=mappings.get(logical_id, []),
            )
            for event in props.get("Events", {}).values():
                spec = event.get("Properties", {})
                if event["Type"] == "SQS":  # SAM's own SQS trigger, should a template use one
                    fn.queue_sources.append(_queue_source(_logical_id(spec["Queue"]), spec))
                elif event["Type"] == "HttpApi":
                    fn.http_routes.append((spec["Method"].upper(), spec["Path"]))
                elif event["Type"] == "ScheduleV2":
                    fn.schedules.append(spec)
            out.append(fn)
        return out

    def queue_mappings(self) -> dict[str, list[QueueSource]]:
        """Function logical id -> its SQS triggers declared as AWS::Lambda::EventSourceMapping."""
        queues = self.of_type("AWS::SQS::Queue")
        out: dict[str, list[QueueSource]] = {}
        for logical, spec in self.of_type("AWS::Lambda::EventSourceMapping").items():
            function = _logical_id(spec["FunctionName"])
            queue = _logical_id(spec["EventSourceArn"])
            if function is None or queue not in queues:
                raise ValueError(
                    f"{logical}: the local runtime runs SQS triggers of template functions only"
                )
            out.setdefault(function, []).append(_queue_source(queue, spec))
        return out


def _logical_id(value: Any) -> str | None:
    """The resource a `!Ref X` or `!GetAtt X.Attr` names; None for anything else."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            return arg
        if key == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return arg[0]
    return None


def _queue_source(queue: str | None, spec: Mapping[str, Any]) -> QueueSource:
    if queue is None:
        raise ValueError(f"an SQS trigger must name its queue with !GetAtt <Queue>.Arn: {spec}")
    return QueueSource(
        queue=queue,
        batch_size=int(spec.get("BatchSize", 10)),
        report_failures="ReportBatchItemFailures" in spec.get("FunctionResponseTypes", []),
    )


Resolver = Callable[[str, str | None], Any]  # (logical id, attribute or None for Ref) -> value


def evaluate(
    value: Any, ref: Resolver, parameters: Mapping[str, str], conditions: Mapping[str, Any]
) -> Any:
    """Evaluate the intrinsic functions in a value. Returns None for AWS::NoValue."""

    def ev(v: Any) -> Any:
        return evaluate(v, ref, parameters, conditions)

    if isinstance(value, list):
        return [x for x in map(ev, value) if x is not None]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            if arg == "AWS::NoValue":
                return None
            return parameters[arg] if arg in parameters else ref(arg, None)
        if key == "Fn::GetAtt":
            return ref(arg[0], arg[1])
        if key == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], ev(arg[1]))

            def sub(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in extra:
                    return str(extra[name])
                if "." in name:
                    logical, attr = name.split(".", 1)
                    return str(ref(logical, attr))
                return str(ev({"Ref": name}))

            return re.sub(r"\$\{([^}!]+)\}", sub, text)
        if key == "Fn::If":
            name, yes, no = arg
            return ev(yes) if ev(conditions[name]) else ev(no)
        if key == "Fn::Not":
            return not ev(arg[0])
        if key == "Fn::Or":
            return any(ev(condition) for condition in arg)
        if key == "Fn::Equals":
            return ev(arg[0]) == ev(arg[1])
        if key == "Fn::Join":
            return arg[0].join(str(x) for x in ev(arg[1]))
        if key == "Condition":
            return ev(conditions[arg])
    return {k: ev(v) for k, v in value.items()}
