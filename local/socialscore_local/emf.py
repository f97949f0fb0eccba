"""CloudWatch's metric extraction from Lambda's stdout, for serve: a function's EMF lines (the
JSON Powertools Metrics prints, with an `_aws` key) become CloudWatch metrics on moto, as they
would on AWS, so that what reads metrics (`socialscore refusals`) reads the same here.
Everything else printed passes through unchanged.

EMF: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html (`_aws.CloudWatchMetrics`: a namespace,
dimension sets naming top-level members, metric names whose values are top-level members).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from socialscore_local.runtime import LocalRuntime

Put = Callable[[str, list[dict[str, Any]]], None]  # (namespace, MetricData)


def metric_data(line: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, MetricData) of an EMF line; nothing for any other line."""
    try:
        document = json.loads(line)
    except ValueError:
        return []
    if not isinstance(document, dict) or not isinstance(document.get("_aws"), dict):
        return []
    meta = document["_aws"]
    at = datetime.fromtimestamp(int(meta.get("Timestamp", 0)) / 1000, UTC)
    found = []
    for directive in meta.get("CloudWatchMetrics", []):
        data = []
        for names in directive.get("Dimensions", [[]]):
            dimensions = [{"Name": n, "Value": str(document[n])} for n in names if n in document]
            for metric in directive.get("Metrics", []):
                values = document.get(metric["Name"])
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, int | float):
                        data.append(
                            {
                                "MetricName": metric["Name"],
                                "Dimensions": dimensions,
                                "Timestamp": at,
                                "Value": value,
                                "Unit": metric.get("Unit", "None"),
                            }
                        )
        found.append((directive["Namespace"], data))
    return found


class EmfStdout(io.TextIOBase):
    """A stdout that puts EMF lines into CloudWatch and writes the rest to `out`."""

    def __init__(self, out: TextIO, put: Put) -> None:
        self.out = out
        self._put = put
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
            for line in lines:
                extracted = metric_data(line) if '"_aws"' in line else []
                for namespace, data in extracted:
                    if data:
                        self._put(namespace, data)
                if not extracted:
                    self.out.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.out.flush()


def publish_metrics(rt: LocalRuntime) -> Callable[[], None]:
    """Turn the functions' metrics on (the runtime keeps them off by default) and route their
    EMF lines into the runtime's CloudWatch; returns how to undo it."""
    import sys

    cloudwatch = rt.client("cloudwatch")

    def put(namespace: str, data: list[dict[str, Any]]) -> None:
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)

    before = rt.local_environment.get("POWERTOOLS_METRICS_DISABLED")
    rt.local_environment["POWERTOOLS_METRICS_DISABLED"] = "false"  # read at each invocation
    out = sys.stdout
    sys.stdout = EmfStdout(out, put)

    def undo() -> None:
        sys.stdout = out
        if before is not None:
            rt.local_environment["POWERTOOLS_METRICS_DISABLED"] = before

    return undo
