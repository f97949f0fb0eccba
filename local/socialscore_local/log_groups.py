"""CloudWatch Logs as Lambda fills it: the template's log groups on moto, and each function's
log lines (Powertools JSON, exactly as its stdout has them) in the group its LoggingConfig
names, one stream per function per runtime, named as Lambda names them.

What reads the logs of a deployed stack (the ops CLI's `socialscore dlq`, which matches the
"poison message" lines to the DLQs' messages) then reads the same here, with the same calls.

Lambda's log delivery is no call of the function's: the lines go straight into moto's backend,
not through a client. That keeps them out of the runtime's per-stage call counts and out of
any injected faults, and costs about 30 µs a line, where a PutLogEvents through boto3 costs
about 1 ms: the mirror runs in every test and every bench.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3

from socialscore_ops.template import Template

LOG_GROUP = "AWS::Logs::LogGroup"
Put = Callable[[str, str, list[dict[str, Any]]], Any]  # (group, stream, events)


def provision(
    template: Template,
    session: boto3.session.Session,
    stack: str,
    physical: dict[str, dict[str, str]],
    evaluate: Callable[[Any], Any],
) -> None:
    """Create every AWS::Logs::LogGroup with its retention; record its name (Ref) and ARN, so
    that the outputs naming a group (RehydrateLogGroupName...) evaluate."""
    logs = session.client("logs")
    for logical, props in template.of_type(LOG_GROUP).items():
        name = str(evaluate(props.get("LogGroupName", f"/{stack}/{logical}")))
        logs.create_log_group(logGroupName=name)
        if "RetentionInDays" in props:
            days = int(evaluate(props["RetentionInDays"]))
            logs.put_retention_policy(logGroupName=name, retentionInDays=days)
        arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["logGroupArn"]
        # CloudFormation's Arn attribute of a log group ends in ":*"; describe's logGroupArn not.
        physical[logical] = {"Ref": name, "Arn": f"{arn}:*"}


class Mirror(logging.Handler):
    """Puts each record of a function's service logger into its log group, formatted by the
    Powertools handler of that logger (the keys a handler appended included)."""

    def __init__(self, service: logging.Logger, group: str, stream: str, put: Put) -> None:
        super().__init__()
        self.service, self.group, self.stream = service, group, stream
        self._put = put

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Looked up per line: Powertools configures the logger at the handler's import,
            # which may come after this handler was added.
            powertools = getattr(self.service, "powertools_handler", None)
            formatter = getattr(powertools, "formatter", None) or self.formatter
            line = (formatter or logging.Formatter()).format(record)
            self._put(
                self.group,
                self.stream,
                [{"timestamp": int(record.created * 1000), "message": line}],
            )
        except Exception:
            self.handleError(record)  # a log line lost must never fail the function


def mirror(
    template: Template,
    functions: Iterable[str],
    evaluate: Callable[[Any], Any],
    environment: Callable[[str], Mapping[str, str]],
) -> list[Mirror]:
    """Mirror the log lines of every function (logical id) with a LoggingConfig into its group;
    `environment` gives a function's variables as deployed. Returns the handlers, for
    `unmirror` when the runtime stops."""
    from moto.logs.models import logs_backends

    from socialscore_local.http_api import ACCOUNT
    from socialscore_local.sqs_events import REGION

    backend = logs_backends[ACCOUNT][REGION]
    day = datetime.now(UTC).strftime("%Y/%m/%d")
    added = []
    for logical_id in functions:
        config = template.resources[logical_id]["Properties"].get("LoggingConfig") or {}
        if "LogGroup" not in config:
            continue
        group = str(evaluate(config["LogGroup"]))
        stream = f"{day}/[$LATEST]{uuid.uuid4().hex}"
        backend.create_log_stream(group, stream)
        service_name = environment(logical_id).get("POWERTOOLS_SERVICE_NAME")
        service = logging.getLogger(service_name or "service_undefined")
        # A runtime that was never stopped (a crashed test) left its mirror: replaced, not added.
        unmirror([h for h in service.handlers if isinstance(h, Mirror)])
        handler = Mirror(service, group, stream, backend.put_log_events)
        service.addHandler(handler)
        added.append(handler)
    return added


def unmirror(handlers: list[Mirror]) -> None:
    for handler in handlers:
        handler.service.removeHandler(handler)
