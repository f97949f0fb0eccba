"""A signed HTTP POST to the local runtime ends as scores in DynamoDB and CRM outbox lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from socialscore.store import dynamo
from socialscore_local import demo, server, webhooks
from socialscore_local.paths import DEMO_DIR

ACTOR = "555000111"
CONTACT = "003E2E0001"


def test_signed_webhook_over_http_to_scores_and_crm(tmp_path: Path) -> None:
    posts = json.loads((DEMO_DIR / "posts.json").read_text())
    sellers = {s["network_user_id"]: s for s in json.loads((DEMO_DIR / "sellers.json").read_text())}
    target = next(p for p in posts if not p.get("deleted") and p["author_id"] in sellers)
    seller = sellers[target["author_id"]]
    link = f"https://x.com/someone/status/{target['post_id']}"
    events = [
        {
            "type": "interaction",
            "id": "e2e-like",
            "network": "x",
            "kind": "like",
            "actor_id": ACTOR,
            "target_permalink": link,
            "occurred_at": "2026-11-20T10:00:00Z",
            "text": "never stored",
        },
        {
            "type": "interaction",
            "id": "e2e-paid-click",
            "network": "x",
            "kind": "click",
            "actor_id": ACTOR,
            "target_permalink": link,
            "tags": ["paid"],
            "occurred_at": "2026-11-20T11:00:00Z",
        },
        {
            "type": "identify",
            "id": "e2e-identify",
            "network": "x",
            "network_user_id": ACTOR,
            "contact_id": CONTACT,
            "consent_basis": "opt_in",
            "occurred_at": "2026-11-20T12:00:00Z",
        },
    ]
    opportunity = {
        "id": "006E2E0001",
        "contact_ids": [CONTACT],
        "amount": "1000.00",
        "currency": "USD",
        "created_at": "2026-11-21T00:00:00Z",
        "modified_at": "2026-11-21T00:00:00Z",
        "stage": "Proposal",
    }
    with demo.runtime(tmp_path) as rt:
        secret = demo.seed(rt)
        (tmp_path / "crm" / "opportunities.json").write_text(json.dumps([opportunity]))
        http = server.http_server(rt)
        try:
            status, answer = webhooks.post(
                f"{server.url(http)}/webhooks/smms", secret, {"events": events}
            )
        finally:
            http.shutdown()
            http.server_close()
        assert (status, answer) == (202, {"accepted": 3})
        rt.drain()

        scores = {i["pk"]: i for i in dynamo.scan(rt.physical["ScoresTable"]["Ref"])}
        assert scores[f"profile#x#{ACTOR}#organic"]["touches"] == Decimal(1)
        assert scores[f"profile#x#{ACTOR}#paid"]["touches"] == Decimal(1)
        ledger = dynamo.scan(rt.physical["LedgerTable"]["Ref"])
        assert {t["kind"] for t in ledger if t["profile"] == f"x#{ACTOR}"} == {"like", "click"}
        assert "never stored" not in json.dumps(ledger + list(scores.values()), default=str)

        result = rt.run_schedule("CrmSyncFunction", datetime(2026, 11, 22, tzinfo=UTC))
        assert result["pushed_influences"] == 1

    lines = [
        json.loads(line) for line in (tmp_path / "crm" / "outbox.jsonl").read_text().splitlines()
    ]
    # The contact's score line (its activities name it too, a line each).
    score_lines = [line for line in lines if line["type"] == "contact_score"]
    (score,) = [line for line in score_lines if line["contact_id"] == CONTACT]
    assert score["organic_score"] > 0
    assert score["paid_score"] > 0
    (influence,) = [line for line in lines if line["type"] == "opportunity_influence"]
    # The like is the only organic touch: the whole amount goes to the post's seller.
    assert influence["attributed_amount"] == "1000.00"
    assert influence["by_seller"] == {seller["seller_id"]: "1000.00"}
    assert influence["by_post"] == {f"x#{target['post_id']}": "1000.00"}
