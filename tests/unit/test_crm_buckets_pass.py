"""A contact's buckets in the CRM follow time, not only touches, in memory: crm_sync keeps with
each push until when its buckets hold (`buckets_until`), and the daily pass reads the ledger again
for the contacts past it, so a contact whose touch left a rule's window leaves the bucket in the
CRM. The score stage and crm_sync on the memory fakes (tests/unit/score_world.py), the file CRM
writing its outbox. Moved from the moto suite (tests/integration/test_crm_buckets.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialscore.crm.file import FileCrm
from socialscore.domain import record_key as rk
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.scoring_model import BucketRule, Condition
from socialscore.pipeline.crm_sync import CrmSync
from tests.integration.support import POST_A, POST_B, identify, resolved, utc
from tests.unit.score_world import MODEL, ScoreWorld

AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
# A window rule (as likely_buyer's intent touch in the last 30 days): C-1 has organic touches on
# 11-10 and 11-12, C-2 one on 11-15.
RECENT = BucketRule(
    name="recent",
    label="Recent",
    all=[Condition(fact="touches", at_least=1, within_days=30)],
)
PROSPECT = BucketRule(name="prospect", label="Prospect", otherwise=True)
WINDOWED = MODEL.model_copy(update={"buckets": [RECENT, PROSPECT]})


def seed_touches(w: ScoreWorld) -> None:
    """Two contacts linked and their touches scored (integration: test_crm_sync_handler's)."""
    w.links.link(
        [
            identify(1, user="u1", contact="C-1", at="2026-11-01T09:00:00Z"),
            identify(2, user="u2", contact="C-2", at="2026-11-01T09:00:00Z"),
        ]
    )
    contacts = {"u1": "C-1", "u2": "C-2"}
    acts: list[tuple[int, Kind, str, str, Category, str]] = [
        (1, Kind.COMMENT, "u1", POST_A, Category.ORGANIC, "2026-11-10T12:00:00Z"),
        (2, Kind.SHARE, "u1", POST_B, Category.ORGANIC, "2026-11-12T12:00:00Z"),
        (3, Kind.CLICK, "u1", POST_B, Category.PAID, "2026-11-13T12:00:00Z"),
        (4, Kind.SHARE, "u2", POST_A, Category.ORGANIC, "2026-11-15T12:00:00Z"),
        (5, Kind.LIKE, "u3", POST_A, Category.ORGANIC, "2026-11-16T12:00:00Z"),
    ]
    w.score(
        [
            resolved(
                n,
                kind=kind,
                actor=actor,
                post=post,
                category=category,
                at=utc(at),
                contact=contacts.get(actor),
            )
            for n, kind, actor, post, category, at in acts
        ]
    )
    assert len(w.entries()) == 5


def test_a_contact_leaves_a_window_bucket_on_the_daily_pass_after_its_buckets_until(
    tmp_path: Path,
) -> None:
    w = ScoreWorld()
    seed_touches(w)
    outbox = tmp_path / "outbox.jsonl"
    later = w.now + timedelta(hours=1)

    def run(started: datetime, as_of: datetime) -> dict[str, dict[str, Any]]:
        before = len(outbox.read_text().splitlines()) if outbox.exists() else 0
        CrmSync(
            FileCrm(tmp_path / "no-opportunities.json", outbox),
            w.links,
            w.ledger,
            w.scores,
            w.sync,
            WINDOWED,
            clock=lambda: started,
        ).run(as_of)
        lines = [json.loads(line) for line in outbox.read_text().splitlines()[before:]]
        return {r["contact_id"]: r for r in lines if r["type"] == "contact_score"}

    first = run(later, AS_OF)
    assert {c: r["buckets"] for c, r in first.items()} == {"C-1": ["recent"], "C-2": ["recent"]}
    # What crm_sync keeps with each push (the table's item: store.sync_state), by its port.
    kept = w.sync.pushed([rk.contact("C-1"), rk.contact("C-2")])
    assert {
        str(k): (json.loads(p.kept["buckets"]), p.kept["buckets_until"]) for k, p in kept.items()
    } == {
        "contact#C-1": (["recent"], "2026-12-12T12:00:00+00:00"),  # 11-12 + 30 days
        "contact#C-2": (["recent"], "2026-12-15T12:00:00+00:00"),
    }
    w.ledger.read.clear()

    # 12-13: C-1's last touch left the window, C-2's has not. Only C-1 is read again.
    second = run(later + timedelta(days=21), datetime(2026, 12, 13, tzinfo=UTC))
    assert w.ledger.read == ["x#u1"]
    assert second["C-1"]["buckets"] == ["prospect"]
    assert second.get("C-2", {"buckets": ["recent"]})["buckets"] == ["recent"]  # carried
    w.ledger.read.clear()

    # 12-16: C-2's turn; C-1 (prospect, nothing to wait for) is not read again.
    third = run(later + timedelta(days=24), datetime(2026, 12, 16, tzinfo=UTC))
    assert w.ledger.read == ["x#u2"]
    assert third["C-2"]["buckets"] == ["prospect"]
    assert "C-1" not in third or third["C-1"]["buckets"] == ["prospect"]
