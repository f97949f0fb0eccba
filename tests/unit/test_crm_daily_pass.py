"""crm_sync's daily pass in memory: the score stage and crm_sync on the memory fakes
(tests/unit/score_world.py), the file CRM writing its outbox. A contact's buckets follow time,
not only touches: crm_sync keeps with each push until when its buckets hold (`buckets_until`)
and reads the ledger again only for the contacts past it; the decay pass carries each contact's
last touch without reading the ledger; a run deletes the marks of the window it took and keeps
the open bucket's. Moved from the moto suite (tests/integration/test_crm_buckets.py,
test_crm_last_touch.py, test_crm_erasure.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialscore.crm.file import FileCrm
from socialscore.domain import record_key as rk
from socialscore.domain.interaction import Category, Erase, Kind
from socialscore.domain.scoring_model import BucketRule, Condition
from tests.integration.support import POST_A, POST_B, identify
from tests.integration.test_crm_last_touch import undo
from tests.unit.score_world import MODEL, ScoreWorld, seed_touches

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


def test_a_contact_leaves_a_window_bucket_on_the_daily_pass_after_its_buckets_until(
    tmp_path: Path,
) -> None:
    w = ScoreWorld()
    seed_touches(w)
    outbox = tmp_path / "outbox.jsonl"
    later = w.now + timedelta(hours=1)

    def run(started: datetime, as_of: datetime) -> dict[str, dict[str, Any]]:
        before = len(outbox.read_text().splitlines()) if outbox.exists() else 0
        crm = FileCrm(tmp_path / "no-opportunities.json", outbox)
        w.crm_sync(crm, WINDOWED, lambda: started).run(as_of)
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


def test_the_decay_pass_carries_the_last_touch_without_reading_the_ledger(
    tmp_path: Path,
) -> None:
    w = ScoreWorld()
    seed_touches(w)
    w.links.link([identify(9, user="u9", contact="C-9")])  # linked, no touch
    outbox = tmp_path / "outbox.jsonl"
    # The stages marked their changes now; both runs start later (the schedule's next slots),
    # so the decay pass finds nothing marked since the first run, and the CRM no opportunity.
    later = w.now + timedelta(hours=1)

    def run(started: datetime, as_of: datetime) -> Any:
        crm = FileCrm(tmp_path / "no-opportunities.json", outbox)
        return w.crm_sync(crm, MODEL, lambda: started).run(as_of)

    first = run(later, AS_OF)
    assert sorted(w.ledger.read) == ["x#u1", "x#u2", "x#u9"]  # each contact's first push
    w.ledger.read.clear()
    before = len(outbox.read_text().splitlines())

    decay = run(later + timedelta(days=1), AS_OF + timedelta(days=1))

    assert (first.daily, decay.daily) == (True, True)
    assert w.ledger.read == []
    # Pushed: the contacts whose rounded score moved, as before, each carrying its last touch;
    # C-9 (no touch, score 0) is not pushed again.
    moved = [
        c
        for c in ("C-1", "C-2")
        if round(organic_score(c, AS_OF), 2)
        != round(organic_score(c, AS_OF + timedelta(days=1)), 2)
    ]
    pushed = [json.loads(line) for line in outbox.read_text().splitlines()[before:]]
    again = {p["contact_id"]: p for p in pushed}
    assert decay.pushed_scores == len(again) == len(moved) == 2
    assert {c: again[c]["last_organic_touch"] for c in moved} == {
        "C-1": "2026-11-12T12:00:00Z",
        "C-2": "2026-11-15T12:00:00Z",
    }


ORGANIC_TOUCHES = {  # seed_touches' organic touches of each contact: (weight, time)
    "C-1": [
        (MODEL.categories[Category.ORGANIC].weights[Kind.COMMENT], "2026-11-10T12:00:00Z"),
        (MODEL.categories[Category.ORGANIC].weights[Kind.SHARE], "2026-11-12T12:00:00Z"),
    ],
    "C-2": [(MODEL.categories[Category.ORGANIC].weights[Kind.SHARE], "2026-11-15T12:00:00Z")],
}


def organic_score(contact: str, as_of: datetime) -> float:
    """Each touch's weight halved every half-life since it happened (the oracle)."""
    return sum(
        w * 2 ** (-(as_of - datetime.fromisoformat(at)).total_seconds() / MODEL.half_life_seconds)
        for w, at in ORGANIC_TOUCHES[contact]
    )


def test_a_taken_windows_buckets_are_deleted_and_the_open_one_kept(tmp_path: Path) -> None:
    w = ScoreWorld()
    (tmp_path / "opportunities.json").write_text("[]")
    t0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

    def run(started: datetime) -> None:
        crm = FileCrm(tmp_path / "opportunities.json", tmp_path / "outbox.jsonl")
        w.crm_sync(crm, MODEL, lambda: started).run(AS_OF)

    def buckets() -> list[str]:
        """The ten-minute buckets holding marks (the table's `changed#<bucket>` items)."""
        found = {at.replace(minute=at.minute // 10 * 10) for at, _, _ in w.sync.marks}
        return sorted(b.strftime("%Y-%m-%dT%H:%M") for b in found)

    run(t0)
    w.sync.mark_changed(t0 + timedelta(minutes=5), contacts=["C-1"])
    w.sync.mark_changed(t0 + timedelta(minutes=12), contacts=["C-2"])
    assert buckets() == ["2026-11-22T10:00", "2026-11-22T10:10"]

    run(t0 + timedelta(minutes=15))  # takes the window from 10:00 to 10:15

    assert buckets() == ["2026-11-22T10:10"]  # still open: marks may land in it until 10:20


# seed_touches: C-1 commented on 11-10 and shared on 11-12 (organic), clicked a paid post on
# 11-13; C-2 shared on 11-15.
C1_COMMENT = datetime(2026, 11, 10, 12, tzinfo=UTC)
C1_SHARE = datetime(2026, 11, 12, 12, tzinfo=UTC)
C2_SHARE = datetime(2026, 11, 15, 12, tzinfo=UTC)


def test_the_crm_shows_the_latest_organic_touch_and_follows_retractions_and_erasure(
    tmp_path: Path,
) -> None:
    """The file CRM's contacts as its outbox leaves them (the last score pushed, or cleared);
    each run a minute after what came before."""
    w = ScoreWorld()
    seed_touches(w)
    outbox = tmp_path / "outbox.jsonl"

    def sync() -> Any:
        w.now += timedelta(minutes=1)
        crm = FileCrm(tmp_path / "no-opportunities.json", outbox)
        report = w.crm_sync(crm, MODEL, lambda: w.now).run(AS_OF)
        assert report.failed == {}
        return report

    def contact(contact_id: str) -> dict[str, Any] | None:
        held: dict[str, Any] | None = None
        for line in (json.loads(raw) for raw in outbox.read_text().splitlines()):
            if line.get("contact_id") == contact_id:
                held = line if line["type"] == "contact_score" else None
        return held

    def last_touch(contact_id: str) -> datetime | None:
        raw = (contact(contact_id) or {}).get("last_organic_touch")
        return datetime.fromisoformat(raw) if raw else None

    def retract(n: int, kind: Kind, post: str, at: str) -> None:
        """Take back seed_touches' act `n` (by u1) as an unlike / an undone share would."""
        w.now += timedelta(minutes=1)
        w.score([undo(n, kind, post, at)])

    sync()

    # C-1's paid click on 11-13 is later, but paid touches are no organic interest.
    assert last_touch("C-1") == C1_SHARE
    assert last_touch("C-2") == C2_SHARE

    retract(2, Kind.SHARE, POST_B, "2026-11-20T12:00:00Z")  # the share undone
    assert sync().pushed_scores == 1
    assert last_touch("C-1") == C1_COMMENT  # back to the touch before
    assert last_touch("C-2") == C2_SHARE

    retract(1, Kind.COMMENT, POST_A, "2026-11-20T13:00:00Z")  # the comment too
    sync()
    assert last_touch("C-1") is None  # no organic touch left: the field is emptied
    assert float((contact("C-1") or {}).get("paid_score") or 0) > 0  # the paid click counts

    w.now += timedelta(minutes=1)
    w.score([Erase(event_id="erase-C-2", source="smms", contact_id="C-2", occurred_at=AS_OF)])
    assert sync().erased == 1
    assert last_touch("C-2") is None
    # Nothing about the erased person is kept by crm_sync either.
    assert w.sync.pushed([rk.contact("C-2")]) == {}
