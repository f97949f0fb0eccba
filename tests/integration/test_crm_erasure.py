"""An erasure leaves nothing in crm_sync's state that names the person: on the local runtime
(moto, the file CRM), a contact with a hot-lead task, a complaint case and change marks both
taken and still open is erased, crm_sync runs, and no sync-state item names the contact or its
social identity; another contact's items stay. That a change window's marks are deleted once a
run has taken it is proven in memory (tests/unit/test_crm_daily_pass.py), the sync state's fake
keeping its table's contract (test_store_contracts: a taken window's buckets go, until's stays)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from socialscore.domain.interaction import Kind
from tests.integration.support import POST_A, Stack, identify, rehydrated, running, write_demo_dir
from tests.integration.test_complaint_cases import POSTS_WITH_COMPLAINT, deliver
from tests.integration.test_complaints import ACTOR, complaint
from tests.integration.test_crm_last_touch import erase
from tests.integration.test_crm_sync_handler import lines, outbox_of, seed_touches

FN = "CrmSyncFunction"
AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
CONTACT = "C-7"


def stamp(start: datetime, hours: int) -> str:
    return (start + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def naming(stack: Stack, *names: str) -> list[str]:
    """The keys of the sync-state items whose key or any value holds one of `names`."""
    items = stack.by_key("SyncStateTable", "key")
    return sorted(
        key for key, item in items.items() if any(n in json.dumps(item, default=str) for n in names)
    )


def test_an_erasure_leaves_no_sync_state_item_naming_the_profile(tmp_path: Path) -> None:
    demo_dir = write_demo_dir(tmp_path / "demo")
    (demo_dir / "posts.json").write_text(json.dumps(POSTS_WITH_COMPLAINT))
    with running(tmp_path / "work", demo_dir) as stack:
        stack.rt.run_schedule(FN, at=AS_OF)  # a run before any mark: the next reads a window
        seed_touches(stack)  # C-1 and C-2, who stay
        stack.send("ResolveQueue", [identify(70, user=ACTOR, contact=CONTACT)])
        stack.rt.drain()
        deliver(stack, complaint("evt-c1"))
        # Enough fresh comments to cross the hot-lead threshold: fresh as the score stage sees
        # them, which scores as of the moment it runs (the Lambda's clock, not AS_OF).
        fresh = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=8)
        hot = [
            rehydrated(
                70 + n, kind=Kind.COMMENT, actor=ACTOR, post=POST_A, at=stamp(fresh, hours=n)
            )
            for n in range(8)
        ]
        stack.send("ResolveQueue", hot)
        stack.rt.drain()
        first = stack.rt.run_schedule(FN, at=AS_OF)
        pushed = lines(outbox_of(stack))
        assert (first["hot_leads"], first["complaints"]) == (1, 1)
        assert {p["type"] for p in pushed if p.get("contact_id") == CONTACT} >= {
            "contact_score",
            "hot_lead_task",
            "complaint_case",
        }
        deliver(stack, complaint("evt-c2") | {"kind": "like", "interaction_permalink": None})
        before = naming(stack, ACTOR, CONTACT)
        assert {k.split("#")[0] for k in before} >= {"pushed", "cases", "changed"}  # all kinds
        assert f"pushed#hot#x#{ACTOR}" in before

        stack.send("ScoreQueue", [erase("C-7", CONTACT)])
        stack.rt.drain()
        second = stack.rt.run_schedule(FN, at=AS_OF)

        assert second["erased"] == 1
        assert naming(stack, ACTOR, CONTACT) == []
        kept = stack.by_key("SyncStateTable", "key")
        assert {"pushed#contact#C-1", "pushed#contact#C-2"} <= set(kept)  # the others stay
        assert stack.rt.run_schedule(FN, at=AS_OF)["erased"] == 0  # taken once
