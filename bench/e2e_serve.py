"""`serve` under load: 4 concurrent senders over HTTP while the background drain runs.

The server (runtime, HTTP API and pollers, as `python -m socialscore_local serve` runs them)
lives in a child process, so the senders do not share its interpreter. Each sender posts its
share of the stream in signed webhooks of 100, one after another, retrying a 5xx as an SMMS
does, after one warm-up request (an empty webhook) that pays the ingest function's first call.
Printed: interactions accepted per second while sending, request latency p50/p99, and the
drain's rate from the first request to empty queues, against the floor's rate for the same
stream (bench/e2e.py's floor, in its own process).

    .venv/bin/python bench/e2e_serve.py [--n 20000] [--senders 4]

Goals: >= 500 interactions/s accepted with p99 under 200 ms while the drain runs; the drain
>= 0.8x the floor's rate over 20,000 interactions.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import e2e

from socialscore_local import server, webhooks

SENDER_ATTEMPTS = 20
MARK = "e2e-serve: "


def serve_child(n: int) -> None:
    """The server: prints how to reach it, drains until told the senders are done and the
    queues are empty, then prints when that was."""
    with e2e.runtime_for(n) as rt:
        secret = e2e.prepare(rt)
        http = server.http_server(rt)
        stop = threading.Event()
        server.background(rt, stop, poll_seconds=0.05)
        say({"url": server.url(http), "secret": secret})
        sys.stdin.readline()  # the senders are done
        queues = [s.queue for fn in rt.functions.values() for s in fn.queue_sources]
        while any(rt.depth(q) for q in queues):
            time.sleep(0.05)
        drained = time.time()
        stop.set()
        http.shutdown()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        dead = {q: d for q in rt.dead_letter_queues() if (d := rt.depth(q))}
        say({"drained": drained, "peak_rss_mb": peak, "dead": dead})


def say(what: dict[str, Any]) -> None:
    # Marked: the functions' own lines (logs, metrics) share the child's stdout.
    print(MARK + json.dumps(what), flush=True)


def heard(lines: Any) -> dict[str, Any]:
    for line in lines:
        if line.startswith(MARK):
            said: dict[str, Any] = json.loads(line.removeprefix(MARK))
            return said
    raise RuntimeError("the server stopped before answering")


def send_all(url: str, secret: str, events: list[dict[str, Any]], senders: int) -> dict[str, Any]:
    hooks = [events[i : i + e2e.WEBHOOK] for i in range(0, len(events), e2e.WEBHOOK)]
    latencies: list[float] = []
    accepted = [0]
    lock = threading.Lock()

    def sender(mine: list[list[dict[str, Any]]]) -> None:
        for hook in mine:
            for _ in range(SENDER_ATTEMPTS):
                start = time.perf_counter()
                status, _ = webhooks.post(f"{url}/webhooks/smms", secret, {"events": hook})
                with lock:
                    latencies.append(time.perf_counter() - start)
                if status < 500:
                    break
            if status != 202:
                raise RuntimeError(f"ingest answered {status}")
            with lock:
                accepted[0] += len(hook)

    threads = [threading.Thread(target=sender, args=(hooks[k::senders],)) for k in range(senders)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - start
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "start": start,
        "accepted_per_s": accepted[0] / took,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "requests": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        serve_child(args.n)
        return
    events, _ = e2e.stream(args.n)
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", "--n", str(args.n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    where = heard(child.stdout)
    # One request before the clock starts: the function's first invocation imports and builds
    # what the cold start put off (timed by bench/cold_start.py), as a Lambda's first does.
    webhooks.post(f"{where['url']}/webhooks/smms", where["secret"], {"events": []})
    sent = send_all(where["url"], where["secret"], events, args.senders)
    child.stdin.write("sent\n")
    child.stdin.flush()
    done = heard(child.stdout)
    child.wait()
    drain_rate = args.n / (done["drained"] - sent["start"])
    floor = e2e.child("floor", args.n)
    floor_rate = e2e.rate(floor, "wall")
    print(
        f"N={args.n} senders={args.senders}: accepted {sent['accepted_per_s']:.0f}/s "
        f"(>= 500 {e2e.verdict(sent['accepted_per_s'] >= 500)}), "
        f"p50 {sent['p50_ms']:.0f} ms, p99 {sent['p99_ms']:.0f} ms "
        f"(< 200 {e2e.verdict(sent['p99_ms'] < 200)}), {sent['requests']} requests"
    )
    ratio = drain_rate / floor_rate
    print(
        f"  drain {drain_rate:.1f}/s vs floor {floor_rate:.1f}/s (wall): {ratio:.2f}x "
        f"(>= 0.8 {e2e.verdict(ratio >= 0.8)}); server peak RSS {done['peak_rss_mb']:.0f} MB"
        + (f"; DLQs {done['dead']}" if done["dead"] else "")
    )


if __name__ == "__main__":
    main()
