"""Ingest benchmark: signed webhooks per second through the ingest handler, in process on
moto, for batches of 1 and 100 interactions; and the handler's cold import time as a ratio to
a bare `import boto3`, both measured in this run.

    .venv/bin/python bench/ingest.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from socialscore_local import demo, webhooks
from socialscore_local.http_api import http_event
from socialscore_local.paths import ROOT
from socialscore_local.runtime import LocalRuntime

IMPORT_RUNS = 7


def cold_import_seconds(statement: str, path: Path | None = None) -> float:
    """Median wall time of a fresh interpreter running `statement`, minus an empty one."""
    prefix = f"import sys; sys.path.insert(0, {str(path)!r}); " if path else ""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    empty = statistics.median(run("pass") for _ in range(IMPORT_RUNS))
    return statistics.median(run(prefix + statement) for _ in range(IMPORT_RUNS)) - empty


def events(batch: int, offset: int) -> dict[str, Any]:
    own_post = 3_000_000 + offset * 1000
    return {
        "events": [
            {
                "type": "interaction",
                "id": f"bench-{offset}-{n}",
                "network": "x",
                "kind": "comment",
                "actor_id": str(10_000 + n),
                "target_permalink": "https://x.com/acme/status/2105658993670537609",
                "interaction_permalink": f"https://x.com/u{n}/status/{own_post + n}",
                "tags": ["branded"],
                "occurred_at": "2026-11-20T10:00:00Z",
            }
            for n in range(batch)
        ]
    }


def empty(rt: LocalRuntime, queue: str) -> None:
    """moto's SendMessageBatch slows as a queue grows (real SQS does not): empty it, untimed."""
    sqs = rt.client("sqs")
    url = rt.queue_url(queue)
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        entries = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
        ]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def throughput(rt: LocalRuntime, secret: str, batch: int, requests: int) -> float:
    """Webhooks per second: the handler's time only, each request onto an empty queue."""
    spent = 0.0
    for r in range(requests):
        body = json.dumps(events(batch, r)).encode()
        headers = webhooks.signed(secret, body)
        event = http_event(
            "POST", "/webhooks/smms", "/webhooks/{source}", {"source": "smms"}, headers, body, ""
        )
        started = time.perf_counter()
        answer = rt.invoke("IngestFunction", event)
        spent += time.perf_counter() - started
        assert answer["statusCode"] == 202, answer
        empty(rt, "RehydrateQueue")
    return requests / spent


def main() -> None:
    boto3_import = cold_import_seconds("import boto3")
    handler_import = cold_import_seconds("import ingest_handler", ROOT / "functions" / "ingest")
    with tempfile.TemporaryDirectory() as tmp, demo.runtime(Path(tmp)) as rt:
        secret = demo.seed(rt)
        throughput(rt, secret, 1, 20)  # warm the container, as a warm Lambda would be
        one = throughput(rt, secret, 1, 400)
        hundred = throughput(rt, secret, 100, 40)
        calls = dict(rt.calls)
    print("ingest handler, in process on moto (one warm container)")
    print(f"  batch of   1: {one:7.1f} webhooks/s ({one:8.1f} interactions/s)")
    print(f"  batch of 100: {hundred:7.1f} webhooks/s ({hundred * 100:8.1f} interactions/s)")
    print(f"  SendMessageBatch calls: {calls.get(('IngestFunction', 'SendMessageBatch'), 0)}")
    print("cold import (fresh interpreter, median of 7, interpreter start subtracted)")
    print(f"  import boto3          : {boto3_import * 1000:7.1f} ms  (baseline)")
    ratio = handler_import / boto3_import
    print(f"  import ingest_handler: {handler_import * 1000:7.1f} ms  ({ratio:.2f}x boto3)")


if __name__ == "__main__":
    main()
