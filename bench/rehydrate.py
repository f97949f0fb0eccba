"""Rehydrate benchmark: provider calls per 1,000 interactions against the lower bound.

Replays a realistic stream through the real rehydrate handler, in process on moto, with
POST_PROVIDER=x against the X API stub on 127.0.0.1: thousands of interactions concentrated on a
few dozen posts (Zipf-like), most of them the brand's and sellers' posts, which the SMMS
published and so sends with their author (`--published`); replies, quotes and mentions with
posts of their own (read for intent), shares with theirs (never read: a retweet's text is the
brand's), a few deleted posts, and duplicates delivered again in later batches. The batches are
cut as Lambda's SQS poller cuts them for the template's BatchSize (10 messages, each a pack of up
to 100 interactions, as ingest sends a webhook's events); records the handler sends back
to its queue (coalescing) join the next batch, as they would.

The lower bound counts every post only the provider can tell about, at least once: target posts
nobody named an author for, and the own posts of replies, quotes and mentions (their words are
needed for intent), none cached at the start, divided by 100 ids a call, rounded up. Targets
credited on the source's word cost no call.

    .venv/bin/python bench/rehydrate.py [--interactions 5000] [--posts 40] [--published 0.8]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.stubs

from socialscore.aws.batch import chunks  # noqa: E402
from socialscore.aws.sqs import DEFERRALS, PACK_ITEMS, pack  # noqa: E402
from socialscore.domain.interaction import Category, Interaction, Kind, Network  # noqa: E402
from socialscore_local.runtime import LocalRuntime  # noqa: E402
from tests.stubs.x_api_stub import XApiStub, post  # noqa: E402

FN = "RehydrateFunction"
KINDS = [  # (kind, share of the stream, has a post of its own)
    (Kind.LIKE, 0.55, False),
    (Kind.SHARE, 0.15, True),
    (Kind.COMMENT, 0.15, True),
    (Kind.QUOTE, 0.05, True),
    (Kind.MENTION, 0.05, True),
    (Kind.CLICK, 0.05, False),
]
# The acts whose own post holds the actor's own words.
READ_FOR_INTENT = {Kind.COMMENT, Kind.QUOTE, Kind.MENTION}
POSTED = "2026-10-01T14:00:00Z"
REPLIES = [
    "Great launch, congrats to the team",
    "We are evaluating vendors for this, who should we talk to?",
    "What does pricing look like for 500 seats?",
    "Interesting thread",
    "Adding this to our shortlist",
]


def stream(n: int, posts: int, seed: int, published: float) -> tuple[list[Interaction], XApiStub]:
    """The interactions, in arrival order, and an X stub that knows their posts."""
    rng = random.Random(seed)
    targets = [str(2_400_000_000_000_000_000 + k) for k in range(posts)]
    deleted = set(targets[-2:])  # the provider lists these in `errors`
    # The brand's and sellers' posts, which the SMMS published: it sends their authors.
    known = set(rng.sample(targets[:-2], round(published * (posts - 2))))
    weights = [1 / (rank + 1) for rank in range(posts)]  # a few posts get most of it
    stub = XApiStub()
    authors = {pid: str(1000 + k % 7) for k, pid in enumerate(targets)}
    for k, pid in enumerate(targets):
        if pid not in deleted:
            stub.posts[pid] = post(author_id=authors[pid], text=f"Post {k}: book a demo")
    kinds, shares, own = zip(*KINDS, strict=True)
    out: list[Interaction] = []
    for i in range(n):
        kind = rng.choices(kinds, shares)[0]
        target = rng.choices(targets, weights)[0]
        own_post = None
        if own[kinds.index(kind)]:
            own_post = str(2_500_000_000_000_000_000 + i)
            text = f"RT @acme: {stub.posts.get(target, {}).get('text', '')}"
            stub.posts[own_post] = post(
                author_id=str(rng.randrange(10**9)),
                text=text if kind is Kind.SHARE else rng.choice(REPLIES),
            )
        out.append(
            Interaction(
                interaction_id=f"bench-{i}",
                source="smms",
                network=Network.X,
                kind=kind,
                category=Category.PAID if kind is Kind.CLICK else Category.ORGANIC,
                actor_id=str(rng.randrange(10**9)),
                target_permalink=f"https://x.com/someone/status/{target}",
                interaction_permalink=(
                    f"https://x.com/i/web/status/{own_post}" if own_post else None
                ),
                target_author_id=authors[target] if target in known else None,
                target_created_at=POSTED if target in known else None,
                occurred_at="2026-11-20T10:00:00Z",
            )
        )
    # Duplicates: 3% of the stream delivered again, a few batches later.
    for i in rng.sample(range(n), n * 3 // 100):
        out.insert(min(len(out), i + rng.randrange(500, 3000)), out[i])
    return out, stub


def record(body: str, deferrals: int = 0, receive_count: int = 1) -> dict[str, Any]:
    attributes = {}
    if deferrals:
        attributes[DEFERRALS] = {"stringValue": str(deferrals), "dataType": "Number"}
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(receive_count)},
        "messageAttributes": attributes,
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "awsRegion": "us-east-1",
    }


def run(interactions: list[Interaction], stub: XApiStub, batch_size: int) -> dict[str, Any]:
    with (
        stub,
        LocalRuntime(
            Path(tempfile.mkdtemp()),
            parameters={"LogLevel": "ERROR", "PostProvider": "x"},
            environment={"X_API_BASE_URL": stub.url},
        ) as rt,
    ):
        rt.client("secretsmanager").put_secret_value(
            SecretId=rt.physical["XApiCredentials"]["Ref"], SecretString=stub.token
        )
        sqs = rt.client("sqs")
        own_queue = rt.queue_url("RehydrateQueue")
        resolve_name = rt.physical["ResolveQueue"]["QueueName"]
        bodies = [i.model_dump_json() for i in interactions]
        batches, deferred_total, start = 0, 0, time.perf_counter()
        pending: list[dict[str, Any]] = []
        position = 0
        while position < len(bodies) or pending:
            batch = pending[:batch_size]
            pending = pending[batch_size:]
            take = batch_size - len(batch)
            # Fresh interactions arrive as ingest sends them: in packs of up to 100.
            fresh = bodies[position : position + take]
            batch += [record(pack(chunk)) for chunk in chunks(fresh, PACK_ITEMS)]
            position += take
            # The handler prints its metrics (EMF lines) to stdout: not this table's business.
            with contextlib.redirect_stdout(io.StringIO()):
                rt.invoke(FN, {"Records": batch})
            batches += 1
            # moto's SendMessage slows with the queue's length: start the next stage's afresh.
            sqs.delete_queue(QueueUrl=rt.queue_url("ResolveQueue"))
            sqs.create_queue(QueueName=resolve_name)
            back = _receive_all(sqs, own_queue)
            deferred_total += len(back)
            pending += back
        seconds = time.perf_counter() - start
        stage = sys.modules["rehydrate_handler"].rehydrator()
        stats = Counter(stage.stats)
    named = {_id(i.target_permalink) for i in interactions} | {
        _id(i.interaction_permalink) for i in interactions if i.interaction_permalink
    }
    unique = len(
        {_id(i.target_permalink) for i in interactions if i.target_author_id is None}
        | {_id(i.interaction_permalink) for i in interactions if i.kind in READ_FOR_INTENT}
    )
    return {
        "batch_size": batch_size,
        "batches": batches,
        "calls": stub.calls,
        "ids_sent": sum(len(r) for r in stub.requests),
        "named_posts": len(named),
        "unique_posts": unique,
        "bound": math.ceil(unique / 100),
        "hit_rate": stats["cache_hits"] / max(1, stats["cache_hits"] + stats["cache_misses"]),
        "deferred": deferred_total,
        "seconds": seconds,
    }


def _id(link: str | None) -> str:
    assert link is not None
    return link.rsplit("/", 1)[-1]


def _receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Records the handler sent back to its own queue, as the poller would deliver them."""
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return out
        for m in got:
            count = int(m.get("MessageAttributes", {}).get(DEFERRALS, {}).get("StringValue", 0))
            out.append(record(m["Body"], deferrals=count))
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--published",
        type=float,
        default=0.8,
        help="share of the target posts the SMMS published, sent with their author",
    )
    args = parser.parse_args()
    from socialscore_ops.template import Template

    rehydrate = next(
        f for f in Template.read(ROOT / "template.yaml").functions() if f.logical_id == FN
    )
    # The template's batch is in SQS messages, each a pack of up to 100 interactions.
    template_batch = rehydrate.queue_sources[0].batch_size * PACK_ITEMS
    interactions, _ = stream(args.interactions, args.posts, args.seed, args.published)
    n = len(interactions)
    print(
        f"stream: {n} interactions ({n - args.interactions} delivered twice) on {args.posts} "
        f"target posts, {args.published:.0%} of them sent with their author; X API stub on "
        "127.0.0.1, handler in process on moto"
    )
    print(
        f"{'batch size':>18} {'batches':>8} {'calls':>6} {'calls/1k':>9} {'bound/1k':>9} "
        f"{'bound':>6} {'ids/call':>9} {'cache hits':>10} {'deferred':>9} {'seconds':>8}"
    )
    for batch_size in (10, 100, template_batch):
        _, stub = stream(args.interactions, args.posts, args.seed, args.published)  # fresh stub
        r = run(interactions, stub, batch_size)
        label = f"{batch_size}{' (template)' if batch_size == template_batch else ''}"
        print(
            f"{label:>18} {r['batches']:>8} {r['calls']:>6} {1000 * r['calls'] / n:>9.2f} "
            f"{1000 * r['bound'] / n:>9.2f} {r['bound']:>6} "
            f"{r['ids_sent'] / max(1, r['calls']):>9.1f} "
            f"{r['hit_rate']:>10.1%} {r['deferred']:>9} {r['seconds']:>8.1f}"
        )
    print(
        f"bound = ceil(posts only the provider can tell about / 100) = "
        f"ceil({r['unique_posts']} / 100): target posts sent without their author + the own "
        "posts of replies, quotes and mentions (read for intent); targets sent with their "
        "author and shares' own posts need no call (looking up every post the stream names "
        f"would need ceil({r['named_posts']} / 100) = {math.ceil(r['named_posts'] / 100)}); "
        "the cache is empty at the start. cache hits: posts a batch needed from the provider "
        "that the cache held, out of all such posts each batch needed"
    )


if __name__ == "__main__":
    main()
