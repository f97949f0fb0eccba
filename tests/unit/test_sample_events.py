"""The sample events in events/ (for `sam local invoke -e`) are what the handlers accept."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def handler(stage: str) -> ModuleType:
    path = ROOT / "functions" / stage / f"{stage}_handler.py"
    spec = importlib.util.spec_from_file_location(f"sample_check_{stage}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("sample", "stage"),
    [
        ("rehydrate_sqs.json", "rehydrate"),
        ("resolve_sqs.json", "resolve"),
        ("score_sqs.json", "score"),
    ],
)
def test_every_sqs_sample_record_parses_as_its_stage_message(sample: str, stage: str) -> None:
    event = json.loads((ROOT / "events" / sample).read_text())
    adapter = handler(stage).MESSAGE
    assert event["Records"]
    for record in event["Records"]:
        assert record["eventSource"] == "aws:sqs"
        adapter.validate_json(record["body"])


def test_the_ingest_sample_is_an_http_api_v2_request_for_the_smms_route() -> None:
    event = json.loads((ROOT / "events" / "ingest_smms.json").read_text())
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /webhooks/{source}"
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(event["headers"])


def test_the_schedule_sample_carries_the_slot_time() -> None:
    event = json.loads((ROOT / "events" / "crm_sync_schedule.json").read_text())
    assert handler("crm_sync").as_of(event).isoformat() == "2026-11-22T06:00:00+00:00"
