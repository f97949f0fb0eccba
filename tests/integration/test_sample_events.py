"""The sample events in events/ (for `sam local invoke -e`) are accepted by their handlers, run
for real in the local runtime: no record of an SQS sample fails, the webhook sample is queued."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialscore.sources import signatures
from socialscore_local import demo
from socialscore_local.webhooks import SAMPLE_SECRET
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


@pytest.mark.parametrize(
    ("name", "function", "forwards_to", "kept"),
    [
        ("rehydrate_sqs.json", "RehydrateFunction", "ResolveQueue", set()),
        ("resolve_sqs.json", "ResolveFunction", "ScoreQueue", {"identify"}),  # links it
        ("score_sqs.json", "ScoreFunction", None, set()),
    ],
)
def test_every_record_of_an_sqs_sample_is_handled(
    demo_stack: Stack, name: str, function: str, forwards_to: str | None, kept: set[str]
) -> None:
    stack = demo_stack
    event = sample(name)
    assert event["Records"]
    answer = stack.rt.invoke(function, event)
    assert answer == {"batchItemFailures": []}
    if forwards_to is not None:
        types = [json.loads(r["body"])["type"] for r in event["Records"]]
        assert len(stack.take(forwards_to)) == len([t for t in types if t not in kept])
    else:
        assert stack.scan("LedgerTable")


def test_the_ingest_sample_is_accepted_once_signed_now(demo_stack: Stack) -> None:
    stack = demo_stack
    # The sample is signed at a fixed time: replayed later it is stale, as the replay window
    # wants. Signed anew with the samples' secret, its body and route are accepted as they are.
    demo.set_webhook_secret(stack.rt, "smms", SAMPLE_SECRET)
    event = sample("ingest_smms.json")
    stamp = int(time.time())
    headers = event["headers"]
    headers["webhook-timestamp"] = str(stamp)
    headers["webhook-signature"] = signatures.sign(
        SAMPLE_SECRET, headers["webhook-id"], stamp, event["body"].encode()
    )
    answer = stack.rt.invoke("IngestFunction", event)
    assert answer["statusCode"] == 202, answer["body"]
    accepted = json.loads(answer["body"])["accepted"]
    assert accepted == len(json.loads(event["body"])["events"])
    assert len(stack.take("RehydrateQueue")) == accepted


def test_the_schedule_sample_runs_crm_sync_as_of_its_slot(demo_stack: Stack) -> None:
    stack = demo_stack
    answer = stack.rt.invoke("CrmSyncFunction", sample("crm_sync_schedule.json"))
    assert answer["opportunities"] >= 1
    assert answer["checkpoint"] is not None
    # Scored as of the slot (2026-11-22T06:00Z), not the day it ran.
    bookmarks = stack.by_key("SyncStateTable", "key")
    assert bookmarks["run#decay_day"]["value"] == "2026-11-22"


def test_the_attribution_schedule_sample_stores_channel_shares_as_of_its_slot(
    demo_stack: Stack,
) -> None:
    stack = demo_stack
    stack.rt.invoke("CrmSyncFunction", sample("crm_sync_schedule.json"))
    answer = stack.rt.invoke("AttributionFunction", sample("attribution_schedule.json"))
    assert answer["as_of"].startswith("2026-11-22T06:00:00")
    assert answer["journeys"] == 0  # no webhook was replayed: nothing to attribute yet
