"""What an operator reads in CloudWatch: one correlation id from the webhook through every stage's
log lines, and EMF metrics per stage (drops by reason, webhooks by source and status)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from tests.integration.support import POST_A, POST_GONE, Stack, permalink


def like(n: int, post: str) -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": f"evt-like-{n}",
        "network": "x",
        "kind": "like",
        "actor_id": f"80{n}",
        "target_permalink": permalink(post),
        "occurred_at": "2026-11-22T07:59:00Z",
    }


def lines(out: str) -> list[dict[str, Any]]:
    parsed = []
    for line in out.splitlines():
        if line.startswith("{"):
            parsed.append(json.loads(line))
    return parsed


def test_the_webhook_s_correlation_id_reaches_every_stage_s_log_and_metrics_are_emitted(
    start_stack: Callable[..., AbstractContextManager[Stack]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with start_stack(POWERTOOLS_LOG_LEVEL="INFO", POWERTOOLS_METRICS_DISABLED="false") as stack:
        assert stack.webhook([like(1, POST_A), like(2, POST_GONE)]).status == 202
        stack.rt.drain()
    out = lines(capsys.readouterr().out)

    [webhook] = [line for line in out if line.get("message") == "webhook"]
    correlation = webhook["correlation_id"]
    assert correlation
    for stage, message in (("rehydrate", "rehydrated"), ("score", "scored")):
        [logged] = [line for line in out if line.get("message") == message]
        assert logged["service"] == stage
        assert logged["correlation_ids"] == [correlation]
    [dropped] = [line for line in out if line.get("message") == "dropped"]
    assert dropped["correlation_ids"] == [correlation]

    metrics = [line for line in out if "_aws" in line]
    [received] = [m for m in metrics if "WebhooksReceived" in m]
    assert (received["service"], received["source"], received["status"]) == (
        "ingest",
        "smms",
        "202",
    )
    assert received["WebhooksReceived"] == [1.0]
    [drops] = [m for m in metrics if "InteractionsDropped" in m]
    assert drops["reason"] == "target_post_deleted"
    assert drops["InteractionsDropped"] == [1.0]
    assert any(m.get("TouchesWritten") == [1.0] and m["service"] == "score" for m in metrics)


def test_metrics_stay_off_the_terminal_in_the_local_runtime_by_default(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stack.webhook([like(1, POST_A)]).status == 202
    stack.rt.drain()
    assert not [line for line in lines(capsys.readouterr().out) if "_aws" in line]
