"""The ops CLI's parts that need no stack and no AWS at all: a function named as a person names
it, a webhook sample signed now with a secret, and one line when the machine has no AWS region or
no credentials. Moved from tests/ops (test_runs.py, test_stack.py), where they never used the
stack on moto."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialscore.aws import clients
from socialscore.sources import signatures
from socialscore_local.webhooks import new_secret
from socialscore_ops import runs
from tests.unit.cli_answers import socialscore

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("given", "logical"),
    [
        ("score", "ScoreFunction"),
        ("crm_sync", "CrmSyncFunction"),
        ("crm-sync", "CrmSyncFunction"),
        ("EngageFunction", "EngageFunction"),
    ],
)
def test_a_function_is_named_by_its_stage_or_its_logical_id(given: str, logical: str) -> None:
    assert runs.logical_id(given) == logical


@pytest.mark.parametrize("encoded", [False, True])
def test_a_webhook_sample_signed_now_verifies_with_the_stack_s_secret(encoded: bool) -> None:
    event = json.loads((ROOT / "events" / "ingest_smms.json").read_text())
    body = event["body"].encode()
    if encoded:  # API Gateway hands a binary body over base64-encoded
        event |= {"body": base64.b64encode(body).decode(), "isBase64Encoded": True}
    secret = new_secret()
    now = datetime.now(UTC)
    with pytest.raises(signatures.SignatureError):  # as written: stale
        signatures.verify([secret], event["headers"], body, now)
    fresh = runs.signed_now(event, secret)
    assert (
        signatures.verify([secret], fresh["headers"], body, now) == fresh["headers"]["webhook-id"]
    )
    assert fresh["body"] == event["body"]  # the body is sent as it is
    assert fresh["requestContext"]["timeEpoch"] // 1000 == int(
        fresh["headers"]["webhook-timestamp"]
    )


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as on a machine with no AWS configuration at all (and no instance
    metadata); every AWS_ variable put back afterwards, the CLI's own writes included."""
    for name in {*(k for k in os.environ if k.startswith("AWS_")), "AWS_DEFAULT_REGION"}:
        monkeypatch.setenv(name, "")  # recorded, so that teardown restores or removes it
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clients.reset()
    yield
    clients.reset()


def test_no_region_or_no_credentials_is_one_line(no_aws: None) -> None:
    answer = socialscore("leaderboard", "--stack", "prod")
    assert (answer.code, answer.err) == (
        2,
        "socialscore: no AWS region: pass --region or set AWS_REGION\n",
    )
    answer = socialscore("leaderboard", "--stack", "prod", "--region", "eu-west-1")
    assert (answer.code, answer.err) == (
        2,
        "socialscore: no AWS credentials: set AWS_PROFILE or run `aws configure`\n",
    )
