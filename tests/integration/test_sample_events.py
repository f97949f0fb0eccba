"""The sample events in events/ (for `socialscore invoke` and `sam local invoke -e`; that every
function of the template has one: tests/unit/test_sample_events_files.py): each is accepted by
its handler, run for real in the local runtime: no record of an SQS sample fails, the webhook
sample (signed at invocation) is queued, the schedules run as of their slot, the engage request
is answered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialscore_local import demo, webhooks
from socialscore_ops import runs
from tests.integration.support import Stack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_stack(tmp_path: Path) -> Iterator[Stack]:
    """The demo's world (its posts, sellers and opportunities): the samples are drawn from it."""
    with demo.runtime(tmp_path) as rt:
        yield Stack(rt, demo.seed(rt))


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / name).read_text())
    return event


SQS_SAMPLES = [  # (sample, its function, the queue it forwards to, the types it keeps)
    ("rehydrate_sqs.json", "RehydrateFunction", "ResolveQueue", set()),
    ("resolve_sqs.json", "ResolveFunction", "ScoreQueue", {"identify"}),  # links it
    ("score_sqs.json", "ScoreFunction", None, set()),
]


def test_every_record_of_an_sqs_sample_is_handled(demo_stack: Stack) -> None:
    # The three on one stack, in the pipeline's order (a stack each cost three starts): each
    # forwards to a queue of its own, and only the last writes the ledger.
    stack = demo_stack
    for name, function, forwards_to, kept in SQS_SAMPLES:
        event = sample(name)
        assert event["Records"], name
        answer = stack.rt.invoke(function, event)
        assert answer == {"batchItemFailures": []}, name
        if forwards_to is not None:
            types = [json.loads(r["body"])["type"] for r in event["Records"]]
            assert len(stack.take(forwards_to)) == len([t for t in types if t not in kept]), name
        else:
            assert stack.scan("LedgerTable"), name


def test_the_ingest_sample_as_written_is_stale_and_signed_now_is_accepted(
    demo_stack: Stack,
) -> None:
    stack = demo_stack
    secret = webhooks.new_secret()  # the stack's own, not the one the sample was written with
    demo.set_webhook_secret(stack.rt, "smms", secret)
    event = sample("ingest_smms.json")
    assert runs.is_smms_webhook(event)
    assert stack.rt.invoke("IngestFunction", event)["statusCode"] == 401
    fresh = runs.signed_now(event, secret)  # what `socialscore invoke ingest -e` sends
    assert fresh["headers"]["webhook-id"] != event["headers"]["webhook-id"]
    assert abs(int(fresh["headers"]["webhook-timestamp"]) - time.time()) < 60
    answer = stack.rt.invoke("IngestFunction", fresh)
    assert answer["statusCode"] == 202, answer["body"]
    accepted = json.loads(answer["body"])["accepted"]
    assert accepted == len(json.loads(event["body"])["events"])
    assert len(stack.take("RehydrateQueue")) == accepted


def test_the_schedule_samples_run_as_of_their_slot(demo_stack: Stack) -> None:
    """crm_sync's, then attribution's (which reads what crm_sync kept), then the report's: one
    stack, in the order the schedules' slots run them."""
    stack = demo_stack
    answer = stack.rt.invoke("CrmSyncFunction", sample("crm_sync_schedule.json"))
    assert answer["opportunities"] >= 1
    assert answer["checkpoint"] is not None
    # Scored as of the slot (2026-11-22T06:00Z), not the day it ran.
    bookmarks = stack.by_key("SyncStateTable", "key")
    assert bookmarks["run#decay_day"]["value"] == "2026-11-22"

    answer = stack.rt.invoke("AttributionFunction", sample("attribution_schedule.json"))
    assert answer["as_of"].startswith("2026-11-22T06:00:00")
    assert answer["journeys"] == 0  # no webhook was replayed: nothing to attribute yet

    answer = stack.rt.invoke("ReportFunction", sample("report_schedule.json"))
    assert answer["bytes"] > 0
    page = stack.rt.client("s3").get_object(Bucket=answer["bucket"], Key=answer["key"])
    assert b"2026-11-22" in page["Body"].read()


def test_the_engage_sample_answers_the_queue_as_json(demo_stack: Stack) -> None:
    answer = demo_stack.rt.invoke("EngageFunction", sample("engage_http.json"))
    assert answer["statusCode"] == 200, answer["body"]
    queue = json.loads(answer["body"])
    assert queue["entries"] == []  # the demo's world, no webhook replayed: nothing to answer
    assert queue["waiting"] == 0
