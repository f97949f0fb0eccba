"""A poison SQS record is logged with its message id and validation errors, never its body:
at WARNING while SQS will deliver it again, at ERROR on the delivery it goes to the DLQ after.

The log is read as Powertools writes it (JSON lines on stdout), under a service name of the
test's own, so the logger is made inside the test and writes to the captured stdout.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from pydantic import TypeAdapter

from socialscore.aws import batch
from socialscore.domain.interaction import Interaction
from socialscore.pipeline import stage
from tests.unit.test_dlq_reasons import VALID

ADAPTER = TypeAdapter(Interaction)
METRICS = Metrics(namespace="poison-test")
SECRET = "sk_live_51Hq7DoNotLogMe"


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"poison-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", name)
    monkeypatch.setenv("MAX_RECEIVE_COUNT", "5")  # what template.yaml gives every consumer
    yield name
    METRICS.clear_metrics()  # Powertools' metric set is shared: none left for another test


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"mid-{n}",
                "receiptHandle": f"rh-{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:RehydrateQueue",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def log_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def poison_lines(out: str) -> list[dict[str, Any]]:
    return [line for line in log_lines(out) if line.get("reason") == "poison message"]


def fail(event: dict[str, Any]) -> dict[str, Any]:
    """What a handler does with a batch's poison: the stage runner reports it failed, which logs
    why, while the stage takes the rest."""
    return stage.run(event, ADAPTER, lambda r: batch.Done(), None, logger=Logger(), metrics=METRICS)


@pytest.mark.parametrize(
    ("body", "loc", "error_type"),
    [
        # A handle where an id belongs: the value is a person's, the field name is not.
        (json.dumps(VALID | {"actor_id": f"@{SECRET}"}), ["actor_id"], "string_pattern_mismatch"),
        # Text where a list of tags belongs (a field it does not know is read and dropped).
        (json.dumps(VALID | {"tags": f"pricing? {SECRET}"}), ["tags"], "list_type"),
        (f'{{"type": "interaction", "actor_id": "{SECRET}"', [], "json_invalid"),
    ],
    ids=["invalid-field", "text-in-a-field", "invalid-json"],
)
def test_a_poison_record_is_logged_with_its_id_and_errors_but_not_its_body(
    service: str,
    capsys: pytest.CaptureFixture[str],
    body: str,
    loc: list[str],
    error_type: str,
) -> None:
    event = sqs_event(json.dumps(VALID), body)
    read = batch.read(event, ADAPTER)

    assert [m.id for m in read.messages] == ["mid-0"]
    assert list(read.poison) == ["mid-1"]
    assert fail(event) == {"batchItemFailures": [{"itemIdentifier": "mid-1"}]}
    out = capsys.readouterr().out
    assert SECRET not in out
    [line] = poison_lines(out)
    assert (line["level"], line["message"]) == ("WARNING", "will retry: poison message")
    assert line["receive_count"] == 1
    assert line["service"] == service
    assert line["message_id"] == "mid-1"
    assert [e["loc"] for e in line["errors"]] == [loc]
    assert [e["type"] for e in line["errors"]] == [error_type]
    assert all(set(e) == {"loc", "msg", "type"} for e in line["errors"])


@pytest.mark.parametrize("handler_logger", ["made-before", "made-after"])
def test_poison_lines_go_through_the_handler_s_logger_whatever_the_order(
    service: str, capsys: pytest.CaptureFixture[str], handler_logger: str
) -> None:
    """`batch` is imported before the handler makes `Logger(service=...)` (the old child logger
    then had no parent and lost every field); its lines still carry the keys the handler adds."""
    poison = sqs_event(json.dumps(VALID | {"kind": "poke"}))
    if handler_logger == "made-after":
        fail(poison)
    handler = Logger(service=service)
    handler.append_keys(correlation_id="corr-7")

    fail(poison)

    lines = poison_lines(capsys.readouterr().out)
    assert lines[-1]["correlation_id"] == "corr-7"
    assert lines[-1]["message_id"] == "mid-0"
    assert lines[-1]["errors"][0]["loc"] == ["kind"]
