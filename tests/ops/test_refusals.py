"""`socialscore refusals`: the webhooks refused and the events ignored, by source and reason,
summed over a window from the metrics ingest emits (as CloudWatch extracts them from EMF:
namespace socialscore, dimensions service, source, reason)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.ops.conftest import DeployedStack, deployed


def emitted(
    stack: DeployedStack, name: str, source: str, reason: str, n: int, ago: timedelta
) -> None:
    stack.rt.client("cloudwatch").put_metric_data(
        Namespace="socialscore",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [
                    {"Name": "service", "Value": "ingest"},
                    {"Name": "source", "Value": source},
                    {"Name": "reason", "Value": reason},
                ],
                "Timestamp": datetime.now(UTC) - ago,
                "Value": n,
                "Unit": "Count",
            }
        ],
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedStack]:
    with deployed(tmp_path_factory.mktemp("refusals"), traffic=False) as found:
        emitted(found, "WebhooksRefused", "smms", "bad_signature", 3, timedelta(minutes=5))
        emitted(found, "WebhooksRefused", "smms", "bad_signature", 4, timedelta(hours=2))
        emitted(found, "WebhooksRefused", "x", "no_secret", 1, timedelta(hours=1))
        emitted(found, "EventsIgnored", "smms", "repeated_delivery", 2, timedelta(minutes=1))
        emitted(found, "WebhooksRefused", "meta", "bad_signature", 9, timedelta(days=3))
        yield found


def test_refusals_sum_each_source_and_reason_over_the_window(stack: DeployedStack) -> None:
    answer = stack.socialscore("refusals", "--since", "24h", "--json")
    assert answer.code == 0, answer.err
    assert answer.json() == [
        {"what": "ignored", "source": "smms", "reason": "repeated_delivery", "count": 2},
        {"what": "refused", "source": "smms", "reason": "bad_signature", "count": 7},
        {"what": "refused", "source": "x", "reason": "no_secret", "count": 1},
    ]


def test_a_shorter_window_counts_less_and_the_table_names_each_reason(stack: DeployedStack) -> None:
    answer = stack.socialscore("refusals", "--since", "90m")
    assert answer.code == 0, answer.err
    assert "bad_signature" in answer.out
    assert "no_secret" in answer.out
    assert " 3" in answer.out
    assert " 7" not in answer.out
