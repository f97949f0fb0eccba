"""crm_sync's runs in memory: the resolve and score stages' use cases and crm_sync on the memory
fakes (tests/unit/score_world.py), the file CRM reading its opportunities file and writing its
outbox. What a CRM shows after a sequence of runs and events: a second run pushes nothing, a
changed opportunity or a late touch is pushed again, a failed push keeps the checkpoint, an
erasure retires the contact's influence, a hot lead becomes one task. Moved from the moto suite
(tests/integration/test_crm_sync_handler.py, which keeps the first run through the handler and
the tables as the end-to-end path); same seed, same assertions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from socialscore.aws.batch import Received
from socialscore.crm.file import FileCrm
from socialscore.domain import scoring_model
from socialscore.domain.interaction import Category, Erase, Identify, Kind
from socialscore.domain.messages import SCORE_MESSAGE, Rehydrated, ResolveMessage
from socialscore.pipeline import resolution
from socialscore.pipeline.crm_sync import SyncReport
from socialscore_local.memory.queue import MemoryQueue
from tests.integration.support import OPPORTUNITIES, POST_A, POST_B, identify, rehydrated
from tests.unit.score_world import ScoreWorld

MODEL = scoring_model.bundled()
ORGANIC = MODEL.categories[Category.ORGANIC].weights
PAID = MODEL.categories[Category.PAID].weights
AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
LAST_MODIFIED = datetime(2026, 11, 21, 11, 34, tzinfo=UTC)  # the later of the two opportunities
TOUCHES = {  # contact -> (weight, time, category) of the touches its identity earned
    "C-1": [
        (ORGANIC[Kind.COMMENT], "2026-11-10T12:00:00Z", Category.ORGANIC),
        (ORGANIC[Kind.SHARE], "2026-11-12T12:00:00Z", Category.ORGANIC),
        (PAID[Kind.CLICK], "2026-11-13T12:00:00Z", Category.PAID),
    ],
    "C-2": [(ORGANIC[Kind.SHARE], "2026-11-15T12:00:00Z", Category.ORGANIC)],
}


def expected_score(contact: str, category: Category, as_of: datetime = AS_OF) -> float:
    return sum(
        w * 2 ** (-(as_of - datetime.fromisoformat(at)).total_seconds() / MODEL.half_life_seconds)
        for w, at, c in TOUCHES[contact]
        if c is category
    )


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def headlines(pushed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in pushed if p["type"] in ("contact_score", "opportunity_influence")]


def assert_first_push(pushed: list[dict[str, Any]]) -> None:
    scores = {p["contact_id"]: p for p in pushed if p["type"] == "contact_score"}
    influences = {p["opportunity_id"]: p for p in pushed if p["type"] == "opportunity_influence"}
    every_model = {p["key"]: p for p in pushed if p["type"] == "influence_record"}
    # Every configured model's breakdown is pushed; a share of nothing is no record.
    assert {k.split("|")[1] for k in every_model} == set(MODEL.attribution.models)
    assert all(Decimal(r["amount"]) > 0 for r in every_model.values())
    assert every_model["006-O1|first_touch|seller|s-ana"]["amount"] == "1000.00"
    assert "006-O1|first_touch|seller|unattributed" not in every_model
    records = {k: r for k, r in every_model.items() if r["model"] == "linear"}
    assert len(headlines(pushed)) == 4
    # One breakdown record per seller and per post, upserted by its key.
    assert {k: Decimal(r["amount"]) for k, r in records.items()} == {
        "006-O1|linear|seller|s-ana": Decimal("500.00"),
        "006-O1|linear|seller|unattributed": Decimal("500.00"),
        f"006-O1|linear|post|x#{POST_A}": Decimal("500.00"),
        f"006-O1|linear|post|x#{POST_B}": Decimal("500.00"),
        "006-O2|linear|seller|s-ana": Decimal("500.00"),
        f"006-O2|linear|post|x#{POST_A}": Decimal("500.00"),
    }
    assert records["006-O1|linear|seller|s-ana"]["team"] == "enterprise"
    assert set(scores) == {"C-1", "C-2"}
    for contact, score in scores.items():
        assert score["organic_score"] == pytest.approx(
            expected_score(contact, Category.ORGANIC), abs=0.011
        )
        assert score["paid_score"] == pytest.approx(
            expected_score(contact, Category.PAID), abs=0.011
        )
        assert score["model_version"] == MODEL.version
    assert scores["C-1"]["paid_score"] > 0
    # The latest organic touch: C-1's paid click a day later does not count.
    assert {c: s["last_organic_touch"] for c, s in scores.items()} == {
        "C-1": "2026-11-12T12:00:00Z",
        "C-2": "2026-11-15T12:00:00Z",
    }
    assert set(influences) == {"006-O1", "006-O2"}
    o1, o2 = influences["006-O1"], influences["006-O2"]
    assert (o1["currency"], o1["attribution_model"], o1["touches"]) == ("USD", "linear", 2)
    assert Decimal(o1["attributed_amount"]) == Decimal("1000.00")
    assert {k: Decimal(v) for k, v in o1["by_seller"].items()} == {
        "s-ana": Decimal("500.00"),
        "unattributed": Decimal("500.00"),
    }
    assert {k: Decimal(v) for k, v in o1["by_post"].items()} == {
        f"x#{POST_A}": Decimal("500.00"),
        f"x#{POST_B}": Decimal("500.00"),
    }
    assert {k: Decimal(v) for k, v in o1["by_network"].items()} == {"x": Decimal("1000.00")}
    assert (o2["currency"], o2["touches"]) == ("EUR", 1)
    assert {k: Decimal(v) for k, v in o2["by_seller"].items()} == {"s-ana": Decimal("500.00")}


def seed_links(contacts: tuple[str, str] = ("C-1", "C-2")) -> list[Identify]:
    """The seed's two contacts, linked to the X users u1 and u2."""
    return [
        identify(1, user="u1", contact=contacts[0], at="2026-11-01T09:00:00Z"),
        identify(2, user="u2", contact=contacts[1], at="2026-11-01T09:00:00Z"),
    ]


def seed_acts() -> list[Rehydrated]:
    """The seed's five acts: u1's comment, share and paid click, u2's share, unlinked u3's like."""
    return [
        rehydrated(1, kind=Kind.COMMENT, actor="u1", post=POST_A, at="2026-11-10T12:00:00Z"),
        rehydrated(2, kind=Kind.SHARE, actor="u1", post=POST_B, at="2026-11-12T12:00:00Z"),
        rehydrated(
            3,
            kind=Kind.CLICK,
            actor="u1",
            post=POST_B,
            category=Category.PAID,
            at="2026-11-13T12:00:00Z",
        ),
        rehydrated(4, kind=Kind.SHARE, actor="u2", post=POST_A, at="2026-11-15T12:00:00Z"),
        rehydrated(5, kind=Kind.LIKE, actor="u3", post=POST_A, at="2026-11-16T12:00:00Z"),
    ]


class World:
    """The stages and crm_sync on fakes, the file CRM in `d` (the stack's workdir/crm)."""

    def __init__(self, d: Path, outbox: Path | None = None) -> None:
        self.w = ScoreWorld(now=datetime(2026, 11, 21, 12, tzinfo=UTC))
        self.opportunities = d / "opportunities.json"
        self.opportunities.write_text(json.dumps(OPPORTUNITIES))
        self.outbox = outbox or d / "outbox.jsonl"

    def resolve(self, messages: Sequence[ResolveMessage]) -> None:
        """One batch on the resolve queue, then what it sent on through the score stage (the
        runtime's drain)."""
        self.w.now += timedelta(minutes=1)
        to_score = MemoryQueue(defers=False)
        received = [Received(f"m{n}", m, None, 1, 0) for n, m in enumerate(messages)]
        w = self.w
        assert resolution.take(received, w.links, w.sellers, to_score, w.sync, w.now).failed == {}
        scoring = [
            Received(m.id, SCORE_MESSAGE.validate_json(m.body), None, 1, 0) for m in to_score.sent
        ]
        if scoring:
            assert w.scorer.take(scoring, MODEL, w.now).failed == {}

    def seed(self) -> None:
        """As test_crm_sync_handler.seed_touches: two contacts linked, five acts resolved."""
        self.resolve(seed_links())
        self.resolve(seed_acts())
        assert len(self.w.entries()) == 5

    def run(self) -> SyncReport:
        """The scheduled run of the slot AS_OF, a minute after what came before."""
        self.w.now += timedelta(minutes=1)
        crm = FileCrm(self.opportunities, self.outbox)
        return self.w.crm_sync(crm, MODEL, lambda: self.w.now).run(AS_OF)

    def checkpoint(self) -> str | None:
        return self.w.sync.bookmarks("file").get("checkpoint#file")

    def run_state(self) -> dict[str, Any]:
        """What crm_sync itself recorded (the sync state's items; the stages' marks apart)."""
        return dict(self.w.sync.items)

    def pushed(self) -> list[dict[str, Any]]:
        return lines(self.outbox)


def test_a_second_run_pushes_nothing(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    outbox = world.outbox.read_bytes()
    state = world.run_state()

    report = world.run()  # as the scheduler's retry of the slot would

    # The checkpoint is inclusive (an opportunity sharing its time may show up late), so the
    # newest one is read again; its digest is unchanged, so nothing is pushed.
    assert report.opportunities <= 1
    assert (report.pushed_scores, report.pushed_influences) == (0, 0)
    assert world.outbox.read_bytes() == outbox
    last_run = "run#last_run"
    assert {k: v for k, v in world.run_state().items() if k != last_run} == {
        k: v for k, v in state.items() if k != last_run
    }


def test_a_changed_opportunity_is_pushed_again_on_the_next_run(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    opportunities = json.loads(world.opportunities.read_text())
    opportunities[0] |= {"amount": "1200.00", "modified_at": "2026-11-22T01:00:00Z"}
    world.opportunities.write_text(json.dumps(opportunities))
    before = len(world.pushed())

    report = world.run()

    assert report.opportunities >= 1  # the changed one (and any at the inclusive checkpoint)
    assert (report.pushed_scores, report.pushed_influences) == (0, 1)
    pushed = world.pushed()[before:]
    assert [(p["type"], p["opportunity_id"]) for p in headlines(pushed)] == [
        ("opportunity_influence", "006-O1")
    ]
    assert {p["opportunity_id"] for p in pushed if p["type"] == "influence_record"} == {"006-O1"}
    pushed = headlines(pushed)
    assert Decimal(pushed[0]["attributed_amount"]) == Decimal("1200.00")
    assert {k: Decimal(v) for k, v in pushed[0]["by_seller"].items()} == {
        "s-ana": Decimal("600.00"),
        "unattributed": Decimal("600.00"),
    }
    assert world.checkpoint() == "2026-11-22T01:00:00+00:00"


def test_a_late_touch_reaches_an_opportunity_the_crm_did_not_change(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    before = len(world.pushed())
    world.resolve(
        [rehydrated(9, kind=Kind.COMMENT, actor="u2", post=POST_B, at="2026-11-20T12:00:00Z")]
    )

    report = world.run()

    pushed = headlines(world.pushed()[before:])
    assert (report.pushed_scores, report.pushed_influences) == (1, 1)
    assert {(p["type"], p.get("contact_id") or p.get("opportunity_id")) for p in pushed} == {
        ("contact_score", "C-2"),
        ("opportunity_influence", "006-O2"),
    }
    (o2,) = [p for p in pushed if p["type"] == "opportunity_influence"]
    assert o2["touches"] == 2
    assert {k: Decimal(v) for k, v in o2["by_seller"].items()} == {
        "s-ana": Decimal("250.00"),
        "unattributed": Decimal("250.00"),
    }


def test_a_failed_push_raises_keeps_the_checkpoint_and_a_later_run_pushes_everything(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "outbox-is-a-directory"
    blocked.mkdir()
    world = World(tmp_path, outbox=blocked)
    world.seed()

    with pytest.raises(OSError, match="directory"):
        world.run()

    assert world.checkpoint() is None
    assert world.run_state() == {}  # nothing recorded as pushed or seen
    assert list(blocked.iterdir()) == []

    blocked.rmdir()  # the CRM is reachable again
    report = world.run()

    assert (report.pushed_scores, report.pushed_influences) == (2, 2)
    assert_first_push(lines(blocked))
    assert world.checkpoint() == LAST_MODIFIED.isoformat()


def test_an_erasure_clears_the_contact_in_the_crm_and_retires_its_influence(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    before = len(world.pushed())
    world.w.now += timedelta(minutes=1)
    erase = Erase(
        event_id="erase-C-1",
        source="smms",
        contact_id="C-1",
        occurred_at=datetime(2026, 11, 21, 12, tzinfo=UTC),
    )
    assert world.w.scorer.take([Received("m0", erase, None, 1, 0)], MODEL, world.w.now).failed == {}

    report = world.run()

    pushed = world.pushed()[before:]
    assert report.erased == 1
    assert {"type": "erased_contact", "contact_id": "C-1"} in pushed
    assert not [p for p in pushed if p.get("contact_id") == "C-1" and "organic_score" in p]
    # O1's only contact is gone: its touches leave, so its breakdown records are deleted.
    retired = {p["key"] for p in pushed if p["type"] == "retired_influence_record"}
    assert {k.split("|")[0] for k in retired} == {"006-O1"}  # every model's records of O1
    assert {k for k in retired if "|linear|" in k} == {
        "006-O1|linear|seller|s-ana",
        "006-O1|linear|seller|unattributed",
        f"006-O1|linear|post|x#{POST_A}",
        f"006-O1|linear|post|x#{POST_B}",
    }
    (o1,) = [p for p in pushed if p["type"] == "opportunity_influence"]
    assert (o1["opportunity_id"], o1["touches"], o1["attributed_amount"]) == ("006-O1", 0, "0.00")

    again = world.run()
    assert (again.erased, again.retired) == (0, 0)  # taken once


def test_a_hot_lead_becomes_one_crm_task_for_its_contact(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    before = len(world.pushed())
    comments = [  # enough fresh comments from C-1's identity to cross the threshold
        rehydrated(20 + n, kind=Kind.COMMENT, actor="u1", post=POST_A, at=f"2026-11-21T0{n}:00:00Z")
        for n in range(8)
    ]
    world.resolve(comments)

    report = world.run()

    tasks = [p for p in world.pushed()[before:] if p["type"] == "hot_lead_task"]
    assert report.hot_leads == 1
    assert [(t["profile"], t["contact_id"]) for t in tasks] == [("x#u1", "C-1")]
    assert tasks[0]["organic_score"] >= tasks[0]["threshold"] == MODEL.hot_lead_threshold
    assert world.run().hot_leads == 0
