"""What every handler reports beside its answer: EMF metrics and the correlation ids of a batch.

A correlation id starts as the webhook request's id and travels as an SQS message attribute
through every queue, so a log line anywhere names the webhooks it serves.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

# A batch that changed nothing (a redelivery, say) has nothing to count: that is no warning.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)


def tag_batch(logger: Logger, correlation_ids: Sequence[str]) -> None:
    """Every log line of this invocation names the webhooks its batch came from."""
    logger.append_keys(correlation_ids=list(correlation_ids) or None)


def count(metrics: Metrics, name: str, value: int) -> None:
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_by(metrics: Metrics, name: str, counts: Mapping[str, int], dimension: str) -> None:
    """One metric per value of a dimension (a drop's reason)."""
    for value, n in counts.items():
        count_with(metrics, name, n, {dimension: value})


def count_with(metrics: Metrics, name: str, value: int, dimensions: Mapping[str, str]) -> None:
    """A count with dimensions of its own: kept apart from the invocation's other metrics,
    which would otherwise all take them on."""
    if not value or is_metrics_disabled():
        return
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=value,
        namespace=metrics.namespace,
        default_dimensions=_dimensions(metrics),
    ) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)


def _dimensions(metrics: Metrics) -> dict[str, str]:
    service = {"service": metrics.service} if metrics.service else {}
    return service | metrics.default_dimensions
