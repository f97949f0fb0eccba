"""Backfill against the live webhook path: the same stream loaded both ways on the local runtime.

The stream is bench/e2e.py's (a Zipf spread over a dozen brand and seller posts, ~300 actors,
10 % of the events twice). The live path signs webhooks of 100 events, posts each to the ingest
route and drains every queue, as bench/e2e.py does; the backfill path writes the same events to
a JSON lines file and loads it as `socialscore backfill` does (read and validated in full, packs
of 100 queued, each drained before the next). Both count the chain's whole cost, CPU seconds in
one fresh process each. Then the numbers: every item of the ledger, scores and identities tables
(hot_since as flagged or not: its value is the clock of the batch that saw the crossing) must be
the same both ways.

    .venv/bin/python bench/backfill.py [--sizes 10000,100000]

Goal (issue 23): backfill >= 0.8x the live path's interactions per CPU-second, equal numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import e2e  # noqa: E402

from socialscore.store import dynamo  # noqa: E402
from socialscore_local import backfill, webhooks  # noqa: E402
from socialscore_local.runtime import LocalRuntime  # noqa: E402

TABLES = ("LedgerTable", "ScoresTable", "IdentitiesTable")


def numbers(rt: LocalRuntime) -> dict[str, Any]:
    """Per table, how many items and a digest of all of them."""
    found: dict[str, Any] = {}
    for name in TABLES:
        items = [
            i | ({"hot_since": "flagged"} if "hot_since" in i else {})
            for i in dynamo.scan(rt.table(name))
        ]
        lines = sorted(json.dumps(i, sort_keys=True, default=value) for i in items)
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
        found[name] = {"items": len(items), "sha256": digest}
    return found


def value(number: Any) -> str:
    """A stored number by its value: DynamoDB keeps the digits its additions made, so sums added
    in another order may end in another count of zeros (12.10 and 12.1) while equal."""
    return str(number.normalize()) if isinstance(number, Decimal) else str(number)


def live(n: int) -> dict[str, Any]:
    events, _ = e2e.stream(n)
    with e2e.runtime_for(n) as rt:
        secret = e2e.prepare(rt)

        def deliver(chunk: list[dict[str, Any]]) -> None:
            body = json.dumps({"events": chunk}).encode()
            answer = rt.request("POST", "/webhooks/smms", webhooks.signed(secret, body), body)
            if answer.status != 202:
                raise RuntimeError(f"ingest answered {answer.status}: {answer.body[:200]!r}")
            rt.drain()

        figures = e2e.timed(events, deliver)
        return figures | {"numbers": numbers(rt), "dlq": dead(rt)}


def loaded(n: int) -> dict[str, Any]:
    events, _ = e2e.stream(n)
    work = Path(tempfile.mkdtemp(prefix="backfill-"))
    path = work / "history.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    with e2e.runtime_for(n) as rt:
        e2e.prepare(rt)
        wall, cpu = time.perf_counter(), time.process_time()
        reading, summary = backfill.load(rt, path)
        figures = {
            "n": len(events),
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "refused": len(reading.refused),
        }
        return figures | {"numbers": numbers(rt), "dlq": dead(rt)}


def dead(rt: LocalRuntime) -> dict[str, int]:
    return {q: d for q in rt.dead_letter_queues() if (d := rt.depth(q))}


def child(kind: str, n: int) -> dict[str, Any]:
    return e2e.child(kind, n, __file__)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--child", choices=["live", "backfill"])
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        print(json.dumps((live if args.child == "live" else loaded)(sizes[0])))
        return
    for n in sizes:
        hooks, history = child("live", n), child("backfill", n)
        ratio = e2e.rate(history, "cpu") / e2e.rate(hooks, "cpu")
        same = hooks["numbers"] == history["numbers"]
        print(
            f"N={n:>6}  live webhooks {e2e.rate(hooks, 'cpu'):7.1f}/cpu-s"
            f" ({hooks['wall']:.0f} s wall)  backfill {e2e.rate(history, 'cpu'):7.1f}/cpu-s"
            f" ({history['wall']:.0f} s wall; {history['accepted']:,} queued,"
            f" {history['duplicates']:,} duplicates)"
        )
        print(f"          backfill / live: {ratio:.2f}x (>= 0.8)  {e2e.verdict(ratio >= 0.8)}")
        for table in TABLES:
            a, b = hooks["numbers"][table], history["numbers"][table]
            print(f"          {table}: live {a['items']:,} items {a['sha256']},"
                  f" backfill {b['items']:,} items {b['sha256']}")  # fmt: skip
        dlq = hooks["dlq"] or history["dlq"]
        print(f"          equal numbers: {e2e.verdict(same and not dlq)}"
              + (f" (DLQ: {dlq})" if dlq else ""))  # fmt: skip
        sys.stdout.flush()


if __name__ == "__main__":
    main()
