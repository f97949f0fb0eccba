"""A contact's buckets in the CRM follow time, not only touches: crm_sync keeps with each push
until when its buckets hold (`buckets_until`), and the daily pass reads the ledger again for the
contacts past it, so a contact whose touch left a rule's window leaves the bucket in the CRM."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialscore.crm.file import FileCrm
from socialscore.domain.scoring_model import BucketRule, Condition
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.store import dynamo
from socialscore.store.identities import Identities
from socialscore.store.ledger import Ledger
from socialscore.store.scores import Scores
from socialscore.store.sync_state import SyncState
from tests.integration.support import Stack
from tests.integration.test_crm_last_touch import AS_OF, MODEL, CountingLedger
from tests.integration.test_crm_sync_handler import seed_touches

# A window rule (as likely_buyer's intent touch in the last 30 days): seed_touches gives C-1
# organic touches on 11-10 and 11-12, C-2 one on 11-15.
RECENT = BucketRule(
    name="recent",
    label="Recent",
    all=[Condition(fact="touches", at_least=1, within_days=30)],
)
PROSPECT = BucketRule(name="prospect", label="Prospect", otherwise=True)
WINDOWED = MODEL.model_copy(update={"buckets": [RECENT, PROSPECT]})


def test_a_contact_leaves_a_window_bucket_on_the_daily_pass_after_its_buckets_until(
    stack: Stack, tmp_path: Path
) -> None:
    seed_touches(stack)
    outbox = tmp_path / "outbox.jsonl"
    ledger = CountingLedger(Ledger(stack.table("LedgerTable"), stack.table("ScoresTable")))
    later = datetime.now(UTC) + timedelta(hours=1)

    def run(started: datetime, as_of: datetime) -> dict[str, dict[str, Any]]:
        before = len(outbox.read_text().splitlines()) if outbox.exists() else 0
        CrmSync(
            FileCrm(tmp_path / "no-opportunities.json", outbox),
            Identities(stack.table("IdentitiesTable")),
            ledger,
            Scores(stack.table("ScoresTable")),
            SyncState(stack.table("SyncStateTable")),
            WINDOWED,
            clock=lambda: started,
        ).run(as_of)
        lines = [json.loads(line) for line in outbox.read_text().splitlines()[before:]]
        return {r["contact_id"]: r for r in lines if r["type"] == "contact_score"}

    first = run(later, AS_OF)
    assert {c: r["buckets"] for c, r in first.items()} == {"C-1": ["recent"], "C-2": ["recent"]}
    kept = {
        str(i["key"]): i
        for i in dynamo.scan(stack.table("SyncStateTable"))
        if str(i["key"]).startswith("pushed#contact#")
    }
    assert {k: (json.loads(i["buckets"]), i["buckets_until"]) for k, i in kept.items()} == {
        "pushed#contact#C-1": (["recent"], "2026-12-12T12:00:00+00:00"),  # 11-12 + 30 days
        "pushed#contact#C-2": (["recent"], "2026-12-15T12:00:00+00:00"),
    }
    ledger.read.clear()

    # 12-13: C-1's last touch left the window, C-2's has not. Only C-1 is read again.
    second = run(later + timedelta(days=21), datetime(2026, 12, 13, tzinfo=UTC))
    assert ledger.read == ["x#u1"]
    assert second["C-1"]["buckets"] == ["prospect"]
    assert second.get("C-2", {"buckets": ["recent"]})["buckets"] == ["recent"]  # carried
    ledger.read.clear()

    # 12-16: C-2's turn; C-1 (prospect, nothing to wait for) is not read again.
    third = run(later + timedelta(days=24), datetime(2026, 12, 16, tzinfo=UTC))
    assert ledger.read == ["x#u2"]
    assert third["C-2"]["buckets"] == ["prospect"]
    assert "C-1" not in third or third["C-1"]["buckets"] == ["prospect"]
