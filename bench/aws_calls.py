"""What a deployed stack pays per interaction: AWS calls per stage against the design's bound.

Drives a 5,000-interaction stream (bench/e2e.py's: webhooks of 100 events, a Zipf spread over
the brand's and sellers' posts, replies and quotes with posts of their own, 10 % delivered
twice) through the local runtime, counting every AWS call each function makes (botocore
hooks), and the items inside them. The queues are drained after every 10 webhooks, as
batching windows of about a second would collect them at 1,000 interactions/s: the batches are
as full as the template's BatchSize and windows let them be.

Printed per stage: calls per interaction next to the bound (README, "What it costs"), the
transaction items per interaction, writes per 1,000 interactions to the hottest post and seller
counter items, and the Lambda invocations; then a monthly bill at 10, 100 and 1,000
interactions/s from the on-demand prices below.

The score stage's day rollups (domain/rollups.py) cost a write per day a transaction spans, and
a touch that replaces one of an earlier day moves that day's items too: `--days 1` shows the
stage as a live stream drives it (a batch within a day), the default its 20 days, 4 a batch, as
a backfill would.

`--linked` (default 0.3) identifies that share of the actors with identify events in the
stream (`identifies`), so resolve's link writes and syncs and the score stage's contact items
are counted; `--linked 0` is the anonymous stream. Figures stay per interaction.

    .venv/bin/python bench/aws_calls.py [--n 5000] [--drain-every 10] [--days 1] [--linked 0]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))

import e2e

from socialscore_local import webhooks

STAGES = {
    "ingest": "IngestFunction",
    "rehydrate": "RehydrateFunction",
    "resolve": "ResolveFunction",
    "score": "ScoreFunction",
}
# Calls per interaction the design needs (README, "What it costs"): ingest one SendMessageBatch
# per webhook of 100, and for an SMMS webhook its webhook-id recorded (PutItem) and marked
# queued (UpdateItem); rehydrate per batch of 1,000 one cache read per 100 posts, a cache write per
# 25 new posts and one send; resolve per batch one read per 100 actors, one of sellers, one send
# (a batch with links also reads their erasure bars, their links, sets and bound, writes them in
# a transaction per 100 actions, then syncs them: one read of their items and links together,
# one of the contacts they leave, a transaction per 100 actions; --linked counts it);
# score per batch one read of its ledger entries per 100 and one of the aggregate items it takes a
# count down on, one transaction per 100 actions, one read of the profiles it moved.
BOUND = {"ingest": 0.03, "rehydrate": 0.02, "resolve": 0.02, "score": 0.04}
# us-east-1 on-demand list prices, read 2026-11 (aws.amazon.com/{lambda,sqs,dynamodb,eventbridge}
# /pricing): free tiers left out.
PRICE = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,  # x86
    "sqs_request": 0.40 / 1e6,  # standard queue; each 64 KiB of a payload is one request
    "dynamodb_wru": 0.625 / 1e6,  # on-demand; a transactional write is 2 per KB
    "dynamodb_rru": 0.125 / 1e6,  # an eventually consistent read of 4 KB is 0.5, strong 1
    "event": 1.00 / 1e6,  # EventBridge custom events
}
LAMBDA_GB = 0.5  # the template's MemorySize
LAMBDA_SECONDS = 0.3  # assumed mean duration of one invocation on AWS (not measured here)
SECONDS_A_MONTH = 30 * 86400


class Meter:
    """Counts the items inside the handlers' DynamoDB calls, from the parameters they send."""

    def __init__(self, batch: Any) -> None:
        self.items: Counter[str] = Counter()  # transaction items, written / read items
        self.hot: Counter[str] = Counter()  # writes per scores-table key
        self.batch = batch  # which score batch is running, for writes per item per batch
        self.per_batch: Counter[tuple[int, str]] = Counter()

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        name = model.name
        if name == "TransactWriteItems":
            actions = params.get("TransactItems", [])
            self.items["transaction_items"] += len(actions)
            for action in actions:
                op = next(iter(action.values()))
                if "Key" in op and "pk" in op["Key"]:
                    self.hot[op["Key"]["pk"]["S"]] += 1
                    self.per_batch[(self.batch(), op["Key"]["pk"]["S"])] += 1
        elif name == "BatchWriteItem":
            self.items["batch_written"] += sum(len(v) for v in params["RequestItems"].values())
        elif name == "BatchGetItem":
            got = params["RequestItems"].values()
            strong = any(v.get("ConsistentRead") for v in got)
            self.items["read_strong" if strong else "read"] += sum(len(v["Keys"]) for v in got)
        elif name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.items["written"] += 1


def identifies(events: list[dict[str, Any]], linked: float, seed: int = 7) -> list[dict[str, Any]]:
    """The stream with identify events for `linked` of its actors, each at a random place (a
    person often acts before being identified: the link sync then moves what they earned), one
    contact in ten with two identities: bench/scale_seed.py's big customer (30 % of profiles
    linked), so the score stage writes the contacts' items as a linked stack does. Each names
    its contact's CRM owner, as a stack with a CRM has them."""
    rng = random.Random(seed)
    actors = sorted({e["actor_id"] for e in events})
    chosen = rng.sample(actors, round(len(actors) * linked))
    out = list(events)
    contact = 0
    for k, actor in enumerate(chosen):
        if k % 11 != 10:  # every eleventh joins the contact before it: a contact of two
            contact += 1
        identify = {
            "type": "identify",
            "id": f"evt_identify_{k:05d}",
            "network": "x",
            "network_user_id": actor,
            "contact_id": f"003B{contact:06d}",
            "consent_basis": "opt_in",
            # The contact's CRM owner, as crm_sync sets it on every link of a CRM's contact
            # (without one, each hot lead's routing Queries its contact's other links).
            "owner_id": f"005A{contact % 7:06d}",
            "occurred_at": "2026-10-15T10:00:00Z",
        }
        out.insert(rng.randrange(len(out) + 1), identify)
    return out


def run(
    n: int,
    drain_every: int,
    webhook: int = e2e.WEBHOOK,
    days: int | None = None,
    linked: float = 0.0,
) -> dict[str, Any]:
    """The stream in webhooks of `webhook` events (1: one event a delivery, as X and Meta send),
    the queues drained after every `drain_every` webhooks; `days`: its acts spread over that
    many days (None: the stream's own 20); `linked`: the share of actors identified (their
    identify events in the stream; figures stay per interaction)."""
    events, _ = e2e.stream(n)
    interactions = len(events)
    if days is not None:  # a repeated event is the same dict: it keeps its one moment
        for k, event in enumerate(events):
            event["occurred_at"] = f"2026-11-{1 + k * days // len(events):02d}T10:00:00Z"
    if linked:
        events = identifies(events, linked)
    with e2e.runtime_for(n) as rt:
        meter = Meter(lambda: rt.invocations["ScoreFunction"])
        # Before any client is made: a client copies its session's hooks when it is created.
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("provide-client-params.dynamodb", meter)
        secret = e2e.prepare(rt)
        rt.calls.clear()
        for k, start in enumerate(range(0, len(events), webhook)):
            body = json.dumps({"events": events[start : start + webhook]}).encode()
            answer = rt.request("POST", "/webhooks/smms", webhooks.signed(secret, body), body)
            assert answer.status == 202, answer.body
            if (k + 1) % drain_every == 0:
                rt.drain()
        rt.drain()
        return {
            "n": interactions,
            "linked": linked,
            "webhook": webhook,
            "calls": {f"{fn}|{op}": v for (fn, op), v in rt.calls.items()},
            "invocations": dict(rt.invocations),
            "items": dict(meter.items),
            "hot": meter.hot.most_common(),
            "per_batch": {
                kind: max(
                    (c for (_, key), c in meter.per_batch.items() if key.startswith(kind)),
                    default=0,
                )
                for kind in ("post#", "seller#")
            },
        }


def report(r: dict[str, Any]) -> None:
    n = r["n"]
    calls: Counter[str] = Counter(r["calls"])
    for key, count in r["calls"].items():
        calls[key.split("|")[0]] += count
    print(f"stream: {n} interactions, webhooks of {r['webhook']} events", end="")
    print(f", {r['linked']:.0%} of actors identified (identify events in the stream)")
    print(f"{'stage':>10} {'calls/int':>10} {'bound':>7} {'ratio':>6} {'invocations':>12}  calls")
    for stage, fn in STAGES.items():
        per = calls[fn] / n
        detail = ", ".join(
            f"{k.split('|')[1]} {v / n:.3f}"
            for k, v in sorted(calls.items())
            if k.startswith(fn + "|")
        )
        print(
            f"{stage:>10} {per:>10.3f} {BOUND[stage]:>7.3f} {per / BOUND[stage]:>6.2f} "
            f"{r['invocations'].get(fn, 0):>12}  {detail}"
        )
    items = r["items"]
    print(f"transaction items per interaction: {items.get('transaction_items', 0) / n:.2f}")
    posts = [c for k, c in r["hot"] if k.startswith("post#")]
    sellers = [c for k, c in r["hot"] if k.startswith("seller#")]
    per_k = 1000 / n
    hottest = max(posts, default=0) * per_k, max(sellers, default=0) * per_k
    print(f"writes per 1,000 interactions to the hottest post item: {hottest[0]:.1f}, seller item:")
    print(f"  {hottest[1]:.1f}; most writes to one item in one batch: post", end=" ")
    print(f"{r['per_batch']['post#']}, seller {r['per_batch']['seller#']}")
    bill(r)


def usage(r: dict[str, Any]) -> dict[str, float]:
    """Per interaction: Lambda invocations, SQS requests, DynamoDB write and read units."""
    n = r["n"]
    items = r["items"]
    sqs_sends = sum(v for k, v in r["calls"].items() if k.endswith("|SendMessageBatch"))
    invocations = sum(r["invocations"].get(fn, 0) for fn in STAGES.values())
    queue_batches = sum(r["invocations"].get(fn, 0) for fn in list(STAGES.values())[1:])
    # Lambda's poller: a receive and a delete per batch, beside the functions' own sends.
    sqs = (sqs_sends + 2 * queue_batches) / n
    wru = (2 * items.get("transaction_items", 0) + items.get("batch_written", 0)) / n
    wru += items.get("written", 0) / n
    rru = (0.5 * items.get("read", 0) + items.get("read_strong", 0)) / n
    return {"invocations": invocations / n, "sqs": sqs, "wru": wru, "rru": rru}


def bill(r: dict[str, Any]) -> None:
    """Monthly cost at steady rates, from this run's per-interaction counts."""
    used = usage(r)
    invocations, sqs, wru, rru = used["invocations"], used["sqs"], used["wru"], used["rru"]
    per_interaction = {
        "lambda": invocations
        * (PRICE["lambda_request"] + LAMBDA_GB * LAMBDA_SECONDS * PRICE["lambda_gb_second"]),
        "sqs": sqs * PRICE["sqs_request"],
        "dynamodb": wru * PRICE["dynamodb_wru"] + rru * PRICE["dynamodb_rru"],
    }
    print(
        f"per interaction: {invocations:.3f} invocations, {sqs:.3f} SQS requests, "
        f"{wru:.2f} WRU, {rru:.2f} RRU (us-east-1 on-demand, prices of 2026-11; "
        f"{LAMBDA_GB} GB x {LAMBDA_SECONDS} s an invocation assumed)"
    )
    print(f"{'interactions/s':>15} {'Lambda':>10} {'SQS':>10} {'DynamoDB':>10} {'total/month':>12}")
    for rate in (10, 100, 1000):
        month = rate * SECONDS_A_MONTH
        costs = [per_interaction[k] * month for k in ("lambda", "sqs", "dynamodb")]
        print(
            f"{rate:>15} {costs[0]:>10,.0f} {costs[1]:>10,.0f} {costs[2]:>10,.0f} "
            f"{math.fsum(costs):>12,.0f} USD"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--drain-every", type=int, default=10)
    parser.add_argument("--webhook", type=int, default=e2e.WEBHOOK, help="events a delivery")
    parser.add_argument(
        "--days",
        type=int,
        default=None,
        help="spread the acts over this many days (default: the stream's 20, about 4 days a "
        "score batch at 5,000; 1: as at 1,000 interactions/s, where a batch spans a second)",
    )
    parser.add_argument(
        "--linked",
        type=float,
        default=0.3,
        help="share of actors identified by identify events in the stream (default 0.3, as "
        "bench/scale_seed.py's big customer; 0: every actor anonymous)",
    )
    args = parser.parse_args()
    report(run(args.n, args.drain_every, args.webhook, args.days, args.linked))


if __name__ == "__main__":
    main()
