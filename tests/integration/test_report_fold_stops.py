"""The report function's fold comes after its page: a fold that fails (DynamoDB throttling past
the SDK's retries) leaves the page written and the run a success, which the schedule would
otherwise retry, drawing the page again; the next run resumes the fold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from socialscore_local import demo
from tests.integration.support import Stack
from tests.session_hooks import hooked

ROOT = Path(__file__).resolve().parents[2]
THROTTLED = {
    "Error": {
        "Code": "ProvisionedThroughputExceededException",
        "Message": "The level of configured provisioned throughput for the table was exceeded.",
    },
    "ResponseMetadata": {"HTTPStatusCode": 400},
}


@pytest.fixture
def demo_stack(tmp_path: Path) -> Iterator[Stack]:
    with demo.runtime(tmp_path) as rt:
        yield Stack(rt, demo.seed(rt))


class Throttle:
    """Every DynamoDB call after the page's PutObject answered as throttled (what DynamoDB
    answers, docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html),
    the SDK's retries spent, until `lifted`."""

    def __init__(self) -> None:
        self.refused: list[str] = []  # the names of the calls refused
        self.written = False
        self.lifted = False

    def before(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if model.name == "PutObject":
            self.written = True
        elif self.written and not self.lifted and model.service_model.service_name == "dynamodb":
            self.refused.append(model.name)
            return AWSResponse("", 400, {}, None), THROTTLED
        return None


@pytest.fixture
def throttled_after_the_page() -> Iterator[Throttle]:
    throttle = Throttle()

    with hooked("before-call", throttle.before):
        yield throttle


def test_a_throttled_fold_leaves_the_page_written_and_the_run_a_success(
    demo_stack: Stack, throttled_after_the_page: Throttle
) -> None:
    event = json.loads((ROOT / "events" / "report_schedule.json").read_text())
    answer = demo_stack.rt.invoke("ReportFunction", event)
    assert throttled_after_the_page.refused, "the fold was refused"
    throttled_after_the_page.lifted = True
    page = demo_stack.rt.client("s3").get_object(Bucket=answer["bucket"], Key=answer["key"])
    assert b"2026-11-22" in page["Body"].read()
    folded = demo_stack.rt.client("dynamodb").get_item(
        TableName=demo_stack.rt.table("ScoresTable"), Key={"pk": {"S": "day#folded"}}
    )
    assert "Item" not in folded  # nothing saved: the next run starts where this one did
