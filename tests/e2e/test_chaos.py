"""Chaos: the demo stream delivered three times, with failures injected at random into the
handlers' AWS calls and Lambda responses lost, stores exactly what one clean pass stores."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from socialscore.store import dynamo
from socialscore.store.scores import Scores
from socialscore_local import demo, report, server
from socialscore_local.faults import Faults
from socialscore_local.runtime import LocalRuntime

DELIVERIES = json.loads((demo.DEMO_DIR / "webhooks.json").read_text())


def snapshot(rt: LocalRuntime) -> dict[str, Any]:
    """Every stored number a user could see, independent of how counters were sharded."""
    table = rt.physical

    def scan(name: str) -> list[dict[str, Any]]:
        return sorted(dynamo.scan(table[name]["Ref"]), key=lambda i: json.dumps(i, default=str))

    scores = Scores(rt.table("ScoresTable"))
    profiles = {key: (i["units"], i["touches"]) for key, i in scores.every_profile().items()}
    counters: dict[str, dict[str, Any]] = defaultdict(dict)
    for prefix, summed in (("post", scores.post_counters()), ("seller", scores.seller_counters())):
        for name, values in summed.items():
            counters[f"{prefix}#{name}"] = {k: v for k, v in values.items() if v != Decimal(0)}
    return {
        "ledger": scan("LedgerTable"),
        "identities": scan("IdentitiesTable"),
        "profiles": profiles,
        "counters": dict(counters),
        "crm": report.crm_state(rt),
        "dlq": {q: rt.depth(q) for q in table if q.endswith("DLQ")},
    }


def run(workdir: Path, copies: int, faults: Faults | None) -> dict[str, Any]:
    with demo.runtime(workdir, faults=faults) as rt:
        secret = demo.seed(rt)
        http = server.http_server(rt)
        try:
            replayed = demo.replay(rt, server.url(http), secret, DELIVERIES, copies=copies)
        finally:
            http.shutdown()
            http.server_close()
        assert replayed.unexpected == []
        # A message that failed five times waits in its DLQ; the operator replays it (README,
        # Operating). Replaying is safe by design, so the numbers must still come out exact.
        for _ in range(10):
            dlqs = rt.dead_letter_queues().items()
            if not sum(rt.redrive(dlq, queue) for dlq, queue in dlqs):
                break
            rt.drain()
        # crm_sync needs every call of one run to pass; its schedule runs again every 15
        # minutes for as long as it takes. Here, as many runs as the injected rate needs.
        demo.sync(rt, attempts=200)
        return snapshot(rt)


def test_triple_delivery_with_injected_failures_equals_one_clean_pass(tmp_path: Path) -> None:
    clean = run(tmp_path / "clean", copies=1, faults=None)
    faults = Faults(rate=0.06, seed=2026)
    chaotic = run(tmp_path / "chaos", copies=3, faults=faults)

    assert sum(faults.injected.values()) >= 50, faults.injected  # the chaos really happened
    assert any(k.startswith("after") for k in faults.injected)  # effects whose reply was lost
    assert any(k.startswith("lost response") for k in faults.injected)
    assert len(clean["ledger"]) > 200
    assert clean["dlq"] == {"RehydrateDLQ": 0, "ResolveDLQ": 0, "ScoreDLQ": 0}
    for part in clean:
        assert chaotic[part] == clean[part], part
