"""End-to-end local benchmark: signed webhooks through the local runtime, against a floor.

Drives N interactions (webhooks of 100 events) through the embedded default as a pilot would:
each webhook signed and sent to the ingest route, then every queue drained (rehydrate on the
fixture provider, resolve, score), so the chain's whole cost is counted. The stream is a
realistic one: a Zipf spread over a dozen brand and seller posts, ~300 actors, 10 % of the
events delivered twice. Printed per N: interactions per second (wall and CPU), time per
interaction for each 1,000 (does it stay flat as the tables fill?), peak RSS.

The floor is the fewest AWS calls the architecture needs for the same stream, made directly on
the same moto (the same runtime, same patches) without any product code: per webhook one
SendMessageBatch per 10 events; per stage and batch one receive and one delete; rehydrate one
BatchGetItem of the cache and one cache write per new post; resolve one BatchGetItem of
identities; score one TransactWriteItems with a ledger Put and the profile, post and seller
ADDs per touch. Each run is a fresh process, so peak RSS is its own.

    .venv/bin/python bench/e2e.py [--sizes 1000,5000,20000] [--skip-floor]
    .venv/bin/python bench/e2e.py --serve    # 4 concurrent senders over HTTP while it drains

Goals (issue "A local runtime that keeps its speed"): local ≥ 0.8x the floor at N = 1,000;
time per interaction at N = 20,000 within 1.3x of N = 1,000; peak RSS at 20,000 under 600 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import e2e_floor  # noqa: E402

from socialscore_local import demo, webhooks  # noqa: E402
from socialscore_local.runtime import LocalRuntime  # noqa: E402

WEBHOOK = 100
POSTS = 12
ACTORS = 300
DUPLICATES = 0.10
BRAND = "657892279"
SELLERS = {"217388624": ("s-ana", "enterprise"), "2513055453": ("s-ben", "smb")}
KINDS = [("like", 0.55), ("share", 0.15), ("comment", 0.15), ("quote", 0.05), ("click", 0.10)]
OWN_POST = {"share", "comment", "quote"}
REPLIES = ["Great launch", "What does pricing look like for 500 seats?", "Interesting", "Book it"]


def stream(n: int, seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(events in arrival order, the fixture's posts): n interactions, 10 % of them twice."""
    rng = random.Random(seed)
    authors = [BRAND, *SELLERS]
    targets = [str(2_300_000_000_000_000_000 + k) for k in range(POSTS)]
    posts = [
        {
            "network": "x",
            "post_id": pid,
            "author_id": authors[k % len(authors)],
            "created_at": "2026-10-01T14:00:00Z",
            "text": f"Post {k}",
        }
        for k, pid in enumerate(targets)
    ]
    weights = [1 / (rank + 1) for rank in range(POSTS)]
    kinds, shares = zip(*KINDS, strict=True)
    actors = [str(3_000_000 + a) for a in range(ACTORS)]
    events: list[dict[str, Any]] = []
    originals = n - round(n * DUPLICATES)
    for i in range(originals):
        kind = rng.choices(kinds, shares)[0]
        target = rng.choices(targets, weights)[0]
        actor = rng.choice(actors)
        event: dict[str, Any] = {
            "type": "interaction",
            "id": f"evt_bench_{i:07d}",
            "network": "x",
            "kind": kind,
            "actor_id": actor,
            "target_permalink": f"https://x.com/acme/status/{target}",
            "occurred_at": f"2026-11-{1 + i * 20 // max(originals, 1):02d}T10:00:00Z",
        }
        if kind in OWN_POST:
            own = str(2_400_000_000_000_000_000 + i)
            event["interaction_permalink"] = f"https://x.com/i/web/status/{own}"
            text = "RT @acme: Post" if kind == "share" else rng.choice(REPLIES)
            posts.append(
                {
                    "network": "x",
                    "post_id": own,
                    "author_id": actor,
                    "created_at": event["occurred_at"],
                    "text": text,
                }
            )
        events.append(event)
    for i in rng.sample(range(originals), n - originals):  # the same event, a little later
        events.insert(min(len(events), i + rng.randrange(50, 500)), events[i])
    return events, posts


def runtime_for(n: int, log_level: str = "ERROR") -> LocalRuntime:
    """A runtime whose fixture provider knows the stream's posts."""
    _, posts = stream(n)
    work = Path(tempfile.mkdtemp(prefix="e2e-"))
    (work / "posts.json").write_text(json.dumps(posts))
    return LocalRuntime(
        work,
        parameters={"LogLevel": log_level},
        environment={"FIXTURE_POSTS_PATH": str(work / "posts.json")},
    )


def prepare(rt: LocalRuntime) -> str:
    """Register the brand and sellers; returns the SMMS signing secret."""
    from socialscore.domain.interaction import identity_key
    from socialscore.domain.messages import Seller
    from socialscore.wiring.reads import Stores

    sellers = Stores(rt.table).sellers
    for user, (seller, team) in {BRAND: ("brand", "marketing"), **SELLERS}.items():
        sellers.register(identity_key("x", user), Seller(seller_id=seller, team=team))
    secret = webhooks.new_secret()
    demo.set_webhook_secret(rt, "smms", secret)
    return secret


def local(n: int) -> dict[str, Any]:
    """The product: every webhook through the ingest route, then every queue drained."""
    events, _ = stream(n)
    with runtime_for(n) as rt:
        secret = prepare(rt)

        def deliver(chunk: list[dict[str, Any]]) -> None:
            body = json.dumps({"events": chunk}).encode()
            answer = rt.request("POST", "/webhooks/smms", webhooks.signed(secret, body), body)
            if answer.status != 202:
                raise RuntimeError(f"ingest answered {answer.status}: {answer.body[:200]!r}")
            rt.drain()

        figures = timed(events, deliver)
        if dead := {q: d for q in rt.dead_letter_queues() if (d := rt.depth(q))}:
            raise RuntimeError(f"messages reached a DLQ, the run is not comparable: {dead}")
    return figures


def floor(n: int) -> dict[str, Any]:
    """The floor: the same stream and runtime, the architecture's fewest calls, no product."""
    events, _ = stream(n)
    with LocalRuntime(Path(tempfile.mkdtemp(prefix="e2e-floor-"))) as rt:
        return timed(events, e2e_floor.deliverer(rt))


def timed(events: list[dict[str, Any]], deliver: Any) -> dict[str, Any]:
    """Deliver the events in webhooks of 100; seconds per interaction for each 1,000."""
    per_thousand: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    mark = wall
    for start in range(0, len(events), WEBHOOK):
        deliver(events[start : start + WEBHOOK])
        done = start + WEBHOOK
        if done % 1000 == 0 or done >= len(events):
            now = time.perf_counter()
            per_thousand.append((now - mark) / min(1000, done - len(per_thousand) * 1000))
            mark = now
    return {
        "n": len(events),
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "per_thousand_ms": [round(s * 1000, 2) for s in per_thousand],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(kind: str, n: int, script: str = __file__) -> dict[str, Any]:
    """One run of `script --child kind` in a fresh process: its peak RSS is its own."""
    out = subprocess.run(
        [sys.executable, script, "--child", kind, "--sizes", str(n)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"the {kind} run at N={n} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--child", choices=["local", "floor"])
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        run = local if args.child == "local" else floor
        print(json.dumps(run(sizes[0])))
        return
    rows = []
    for n in sizes:
        mine = child("local", n)
        least = None if args.skip_floor else child("floor", n)
        rows.append((n, mine, least))
        print_row(n, mine, least)
    print_goals(rows)


def rate(figures: dict[str, Any], key: str) -> float:
    return float(figures["n"] / figures[key])


def print_row(n: int, mine: dict[str, Any], floor: dict[str, Any] | None) -> None:
    line = (
        f"N={n:>6}  local {rate(mine, 'wall'):7.1f}/s wall {rate(mine, 'cpu'):7.1f}/cpu-s"
        f"  peak {mine['peak_rss_mb']:6.0f} MB"
    )
    if floor is not None:
        line += (
            f"  | floor {rate(floor, 'wall'):7.1f}/s wall {rate(floor, 'cpu'):7.1f}/cpu-s"
            f"  peak {floor['peak_rss_mb']:6.0f} MB"
            f"  | local/floor {rate(mine, 'cpu') / rate(floor, 'cpu'):.2f}x (cpu)"
        )
    print(line)
    print(f"          ms per interaction, each 1,000: {mine['per_thousand_ms']}")
    sys.stdout.flush()


def print_goals(rows: list[tuple[int, dict[str, Any], dict[str, Any] | None]]) -> None:
    first, last = rows[0], rows[-1]
    print("goals:")
    if first[2] is not None:
        ratio = rate(first[1], "cpu") / rate(first[2], "cpu")
        print(f"  local >= 0.8x floor at N={first[0]}: {ratio:.2f}x  {verdict(ratio >= 0.8)}")
    if len(rows) > 1:
        growth = (last[1]["cpu"] / last[0]) / (first[1]["cpu"] / first[0])
        print(
            f"  time per interaction N={last[0]} vs N={first[0]}: {growth:.2f}x (<= 1.3x)"
            f"  {verdict(growth <= 1.3)}"
        )
    peak = last[1]["peak_rss_mb"]
    print(f"  peak RSS at N={last[0]}: {peak:.0f} MB (< 600)  {verdict(peak < 600)}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


if __name__ == "__main__":
    main()
