"""Chaos: the demo stream, with acts that are re-sent in the other category, liked again,
unfollowed and deleted, delivered three times in a shuffled order, with failures injected at
random into the handlers' AWS calls and Lambda responses lost, stores exactly the items one clean
pass in order stores: every item of every table the score stage writes, item for item; and the
day rollups the score stage keeps as touches land are those recomputed from the ledger."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.rollups import Dimension, day_of, days_between
from socialscore.store import dynamo
from socialscore.store.ledger import Ledger
from socialscore.store.rollups import RollupStore
from socialscore_local import demo, report, server, webhooks
from socialscore_local.faults import Faults
from socialscore_local.memory.rollups import MemoryRollups
from socialscore_local.paths import DEMO_DIR
from socialscore_local.runtime import LocalRuntime

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py

DELIVERIES = json.loads((DEMO_DIR / "webhooks.json").read_text())
X_SECRET = "chaos-x-consumer-secret-0123456789abcdef"
CHLOE, CHLOE_POST = "2513055453", "2106690792456360250"  # a demo seller and her post
BRAND_POST = "2105658993670537609"
RETWEET = "2109000000000000001"


def like(event_id: str, actor: str, post: str, at: str, tags: list[str]) -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": event_id,
        "network": "x",
        "kind": "like",
        "actor_id": actor,
        "target_permalink": f"https://x.com/acme/status/{post}",
        "tags": tags,
        "occurred_at": at,
    }


def smms(*events: dict[str, Any]) -> dict[str, Any]:
    return {"source": "smms", "expect": 202, "body": {"events": list(events)}}


def x(payload: dict[str, Any]) -> dict[str, Any]:
    return {"source": "x", "expect": 200, "body": {"for_user_id": CHLOE, **payload}}


def follow(kind: str, ms: int) -> dict[str, Any]:
    follow = {"type": kind, "created_timestamp": str(ms), "target": {"id": CHLOE}}
    return x({"follow_events": [follow | {"source": {"id": "7100000004"}}]})


# Acts whose stored items depend on arrival order unless the store makes them not: in order,
# each leaves a count that goes up and comes down again (to 0 for the like replaced by its paid
# report, the unfollow, the deleted retweet).
CHANGES = [
    smms(like("chaos-1", "7100000001", CHLOE_POST, "2026-11-10T09:00:00Z", ["employee"])),
    smms(like("chaos-2", "7100000001", CHLOE_POST, "2026-11-10T09:00:00Z", ["employee", "paid"])),
    smms(like("chaos-3", "7100000002", BRAND_POST, "2026-11-10T10:00:00Z", ["branded", "paid"])),
    smms(like("chaos-4", "7100000002", BRAND_POST, "2026-11-10T11:00:00Z", ["branded"])),
    smms(like("chaos-5", "7100000003", CHLOE_POST, "2026-11-11T09:00:00Z", ["employee"])),
    smms(like("chaos-6", "7100000003", CHLOE_POST, "2026-11-12T09:00:00Z", ["employee"])),
    follow("follow", 1794992400000),  # 2026-11-13T09:00Z
    follow("unfollow", 1794996000000),
    x(
        {
            "tweet_create_events": [
                {
                    "id_str": RETWEET,
                    "created_at": "Fri Nov 13 10:00:00 +0000 2026",
                    "user": {"id_str": "7100000005"},
                    "retweeted_status": {"id_str": CHLOE_POST, "user": {"id_str": CHLOE}},
                }
            ]
        }
    ),
    x({"tweet_delete_events": [{"status": {"id": RETWEET}, "timestamp_ms": "1795000000000"}]}),
]


def snapshot(rt: LocalRuntime) -> dict[str, Any]:
    """Every item of every table the score stage writes, and what the CRM holds. Left out, as
    they depend on when things ran and not on what arrived: the moment a hot lead was flagged
    (`hot_since`'s value: the clock of the batch that saw the crossing; that it is flagged is
    compared), and crm_sync's work queue and cursors in the SyncStateTable (`changed#` buckets
    name the ten minutes a profile changed in and are emptied as crm_sync takes them; `run#`
    items hold the times of its runs)."""

    def scan(name: str) -> list[dict[str, Any]]:
        items = dynamo.scan(rt.table(name))
        return sorted(items, key=lambda i: json.dumps(i, sort_keys=True, default=str))

    scores = [
        i | ({"hot_since": "flagged"} if "hot_since" in i else {}) for i in scan("ScoresTable")
    ]
    timing = ("changed#", "run#")
    return {
        "ledger": scan("LedgerTable"),
        "scores": scores,
        "identities": scan("IdentitiesTable"),
        "sync_state": [i for i in scan("SyncStateTable") if not i["key"].startswith(timing)],
        "crm": report.crm_state(rt),
        "rollups_unlike_the_ledger": rollups_unlike_the_ledger(rt),
        "dlq": {q: rt.depth(q) for q in rt.physical if q.endswith("DLQ")},
    }


def rollups_unlike_the_ledger(rt: LocalRuntime) -> list[str]:
    """The dimensions whose day rollups, as the score stage left them, differ from those
    recomputed from the ledger's counted touches (the oracle: memory.rollups)."""
    ledger = Ledger(rt.table("LedgerTable"), rt.table("ScoresTable"))
    stored, oracle = RollupStore(ledger.scores_table), MemoryRollups(ledger.every_touch)
    days = sorted({day_of(t) for t in ledger.every_touch()})
    span = days_between(date.fromisoformat(days[0]), date.fromisoformat(days[-1]))
    return [d for d in Dimension if stored.days(span, d) != oracle.days(span, d)]


def send(url: str, secret: str, delivery: dict[str, Any]) -> int:
    """POST one delivery as its sender does, retrying what did not get a 2xx."""
    status = 0
    for _ in range(demo.SENDER_ATTEMPTS):
        if delivery.get("source") == "x":
            body = json.dumps(delivery["body"]).encode()
            digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
            signature = "sha256=" + base64.b64encode(digest).decode()
            request = urllib.request.Request(
                f"{url}/webhooks/x",
                data=body,
                headers={"x-twitter-webhooks-signature": signature},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status = answer.status
            except urllib.error.HTTPError as err:
                status = err.code
        else:
            status, _ = webhooks.post(f"{url}/webhooks/smms", secret, delivery["body"])
        if status < 500:
            break
    return status


def run(workdir: Path, copies: int, faults: Faults | None, shuffle: int | None) -> dict[str, Any]:
    """The demo's deliveries and CHANGES, each `copies` times; in order and drained after each,
    or in an order shuffled with seed `shuffle` and drained after 1 to 5 of them."""
    deliveries = [*DELIVERIES, *CHANGES] * copies
    rng = random.Random(shuffle)  # a reproducible order
    if shuffle is not None:
        rng.shuffle(deliveries)
    with demo.runtime(workdir, faults=faults) as rt:
        secret = demo.seed(rt)
        webhooks.set_network_secrets(rt, webhooks.NetworkSecrets(x_consumer=X_SECRET))
        http = server.http_server(rt)
        try:
            unexpected = []
            for n, delivery in enumerate(deliveries):
                status = send(server.url(http), secret, delivery)
                if status != delivery["expect"]:
                    unexpected.append(f"delivery {n}: {status}, expected {delivery['expect']}")
                if shuffle is None or rng.random() < 0.3:
                    rt.drain()
            rt.drain()
        finally:
            http.shutdown()
            http.server_close()
        assert unexpected == []
        # A message that failed five times waits in its DLQ; the operator replays it (README,
        # Operating). Replaying is safe by design, so the items must still come out exact.
        for _ in range(10):
            dlqs = rt.dead_letter_queues().items()
            if not sum(rt.redrive(dlq, queue) for dlq, queue in dlqs):
                break
            rt.drain()
        # crm_sync's runs at the stream's rate too, its schedule running again for as long as it
        # takes: at a lower rate a run lease left by a lost answer (every later run turned
        # away until it expired, the CRM left empty) was never seen. test_crm_stop_points
        # stops a run at every one of its calls on both CRMs.
        before = sum(faults.injected.values()) if faults is not None else 0
        demo.sync(rt, attempts=200)
        if faults is not None:
            assert sum(faults.injected.values()) - before >= 2  # runs stopped half-way
        return snapshot(rt)


def test_shuffled_triple_delivery_with_injected_failures_stores_the_items_of_one_clean_pass(
    tmp_path: Path,
) -> None:
    clean = run(tmp_path / "clean", copies=1, faults=None, shuffle=None)
    faults = Faults(rate=0.06, seed=2026)
    chaotic = run(tmp_path / "chaos", copies=3, faults=faults, shuffle=2026)

    assert sum(faults.injected.values()) >= 50, faults.injected  # the chaos really happened
    assert any(k.startswith("after") for k in faults.injected)  # effects whose reply was lost
    assert any(k.startswith("lost response") for k in faults.injected)
    assert len(clean["ledger"]) > 200
    assert clean["dlq"] == {"RehydrateDLQ": 0, "ResolveDLQ": 0, "ScoreDLQ": 0}
    assert clean["rollups_unlike_the_ledger"] == []  # and chaotic's, compared below
    # The changes landed: the like re-sent paid counts paid, the unfollow and the deletion
    # left no item, the like sent again counts once.
    scores = {i["pk"]: i for i in clean["scores"]}
    assert "profile#x#7100000001#organic" not in scores
    assert scores["profile#x#7100000001#paid"]["touches"] == 1
    assert scores["profile#x#7100000002#organic"]["touches"] == 1
    assert "profile#x#7100000002#paid" not in scores
    assert scores["profile#x#7100000003#organic"]["touches"] == 1
    assert not {"profile#x#7100000004#organic", "profile#x#7100000005#organic"} & scores.keys()
    assert [p for p in clean if chaotic[p] != clean[p]] == []
