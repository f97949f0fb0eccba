"""crm_sync on moto and a file CRM: contact scores and opportunity influence, pushed once."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain import scoring_model
from socialscore.domain.interaction import Category, Kind
from tests.integration.support import POST_A, POST_B, Stack, identify, rehydrated

FN = "CrmSyncFunction"
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


def seed_touches(stack: Stack, contacts: tuple[str, str] = ("C-1", "C-2")) -> None:
    """Link two contacts and score their touches through resolve and score."""
    stack.send(
        "ResolveQueue",
        [
            identify(1, user="u1", contact=contacts[0], at="2026-11-01T09:00:00Z"),
            identify(2, user="u2", contact=contacts[1], at="2026-11-01T09:00:00Z"),
        ],
    )
    stack.rt.drain()
    stack.send(
        "ResolveQueue",
        [
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
        ],
    )
    stack.rt.drain()
    assert len(stack.scan("LedgerTable")) == 5


def expected_score(contact: str, category: Category, as_of: datetime = AS_OF) -> float:
    return sum(
        w * 2 ** (-(as_of - datetime.fromisoformat(at)).total_seconds() / MODEL.half_life_seconds)
        for w, at, c in TOUCHES[contact]
        if c is category
    )


def outbox_of(stack: Stack) -> Path:
    return stack.rt.workdir / "crm" / "outbox.jsonl"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def checkpoint(stack: Stack) -> str | None:
    item = stack.by_key("SyncStateTable", "key").get("run#checkpoint#file")
    return None if item is None else item["value"]


def run_state(stack: Stack) -> list[dict[str, Any]]:
    """What crm_sync itself recorded (the stages' change marks left out)."""
    return [i for i in stack.scan("SyncStateTable") if not i["key"].startswith("changed#")]


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


def test_first_run_pushes_scores_and_influence_and_moves_the_checkpoint(stack: Stack) -> None:
    seed_touches(stack)
    assert checkpoint(stack) is None

    report = stack.rt.run_schedule(FN, at=AS_OF)

    assert report["opportunities"] == 2
    assert (report["pushed_scores"], report["pushed_influences"]) == (2, 2)
    assert datetime.fromisoformat(report["checkpoint"]) == LAST_MODIFIED
    assert_first_push(lines(outbox_of(stack)))
    stored = checkpoint(stack)
    assert stored is not None
    assert datetime.fromisoformat(stored) == LAST_MODIFIED


def test_a_second_run_pushes_nothing(stack: Stack) -> None:
    seed_touches(stack)
    stack.rt.run_schedule(FN, at=AS_OF)
    outbox = outbox_of(stack).read_bytes()
    state = run_state(stack)

    report = stack.rt.run_schedule(FN, at=AS_OF)  # as the scheduler's retry of the slot would

    # The checkpoint is inclusive (an opportunity sharing its time may show up late), so the
    # newest one is read again; its digest is unchanged, so nothing is pushed.
    assert report["opportunities"] <= 1
    assert (report["pushed_scores"], report["pushed_influences"]) == (0, 0)
    assert outbox_of(stack).read_bytes() == outbox
    assert [i for i in run_state(stack) if i["key"] != "run#last_run"] == [
        i for i in state if i["key"] != "run#last_run"
    ]


def test_a_changed_opportunity_is_pushed_again_on_the_next_run(stack: Stack) -> None:
    seed_touches(stack)
    stack.rt.run_schedule(FN, at=AS_OF)
    crm = stack.rt.workdir / "crm" / "opportunities.json"
    opportunities = json.loads(crm.read_text())
    opportunities[0] |= {"amount": "1200.00", "modified_at": "2026-11-22T01:00:00Z"}
    crm.write_text(json.dumps(opportunities))
    before = len(lines(outbox_of(stack)))

    report = stack.rt.run_schedule(FN, at=AS_OF)

    assert report["opportunities"] >= 1  # the changed one (and any at the inclusive checkpoint)
    assert (report["pushed_scores"], report["pushed_influences"]) == (0, 1)
    pushed = lines(outbox_of(stack))[before:]
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
    assert checkpoint(stack) == "2026-11-22T01:00:00+00:00"


def test_a_late_touch_reaches_an_opportunity_the_crm_did_not_change(stack: Stack) -> None:
    seed_touches(stack)
    stack.rt.run_schedule(FN, at=AS_OF)
    before = len(lines(outbox_of(stack)))
    stack.send(
        "ResolveQueue",
        [rehydrated(9, kind=Kind.COMMENT, actor="u2", post=POST_B, at="2026-11-20T12:00:00Z")],
    )
    stack.rt.drain()

    report = stack.rt.run_schedule(FN, at=AS_OF)

    pushed = headlines(lines(outbox_of(stack))[before:])
    assert (report["pushed_scores"], report["pushed_influences"]) == (1, 1)
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
    tmp_path: Path, start_stack: Callable[..., AbstractContextManager[Stack]]
) -> None:
    blocked = tmp_path / "outbox-is-a-directory"
    blocked.mkdir()
    with start_stack(FILE_CRM_OUTBOX=str(blocked)) as stack:
        seed_touches(stack)

        with pytest.raises(OSError, match="directory"):
            stack.rt.run_schedule(FN, at=AS_OF)

        assert checkpoint(stack) is None
        assert run_state(stack) == []  # nothing recorded as pushed or seen
        assert list(blocked.iterdir()) == []

        blocked.rmdir()  # the CRM is reachable again
        report = stack.rt.run_schedule(FN, at=AS_OF)

        assert (report["pushed_scores"], report["pushed_influences"]) == (2, 2)
        assert_first_push(lines(blocked))
        assert checkpoint(stack) == LAST_MODIFIED.isoformat()


def erase(contact: str) -> str:
    return json.dumps(
        {
            "type": "erase",
            "event_id": f"erase-{contact}",
            "source": "smms",
            "contact_id": contact,
            "occurred_at": "2026-11-21T12:00:00Z",
        }
    )


def test_an_erasure_clears_the_contact_in_the_crm_and_retires_its_influence(stack: Stack) -> None:
    seed_touches(stack)
    stack.rt.run_schedule(FN, at=AS_OF)
    before = len(lines(outbox_of(stack)))
    stack.send("ScoreQueue", [erase("C-1")])
    stack.rt.drain()

    report = stack.rt.run_schedule(FN, at=AS_OF)

    pushed = lines(outbox_of(stack))[before:]
    assert report["erased"] == 1
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

    again = stack.rt.run_schedule(FN, at=AS_OF)
    assert (again["erased"], again["retired"]) == (0, 0)  # taken once


def test_a_hot_lead_becomes_one_crm_task_for_its_contact(stack: Stack) -> None:
    seed_touches(stack)
    stack.rt.run_schedule(FN, at=AS_OF)
    before = len(lines(outbox_of(stack)))
    comments = [  # enough fresh comments from C-1's identity to cross the threshold
        rehydrated(20 + n, kind=Kind.COMMENT, actor="u1", post=POST_A, at=f"2026-11-21T0{n}:00:00Z")
        for n in range(8)
    ]
    stack.send("ResolveQueue", comments)
    stack.rt.drain()

    report = stack.rt.run_schedule(FN, at=AS_OF)

    tasks = [p for p in lines(outbox_of(stack))[before:] if p["type"] == "hot_lead_task"]
    assert report["hot_leads"] == 1
    assert [(t["profile"], t["contact_id"]) for t in tasks] == [("x#u1", "C-1")]
    assert tasks[0]["organic_score"] >= tasks[0]["threshold"] == MODEL.hot_lead_threshold
    assert stack.rt.run_schedule(FN, at=AS_OF)["hot_leads"] == 0
