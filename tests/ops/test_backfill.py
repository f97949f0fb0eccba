"""`socialscore backfill FILE --stack NAME` on moto: a file with a bad line sends nothing; the
demo's webhook events loaded shuffled and in two pieces store exactly the items their live
delivery stores; loading the same file again queues nothing and changes nothing."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from socialscore.store import dynamo
from socialscore_local.paths import DEMO_DIR
from socialscore_local.runtime import LocalRuntime
from tests.ops.conftest import DeployedStack, demo_states, deployed, moved_demo

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py

TABLES = ("LedgerTable", "ScoresTable", "IdentitiesTable")
HANDLE = "@jane_doe_private"


def demo_events(demo_dir: Path = DEMO_DIR) -> list[dict[str, Any]]:
    """The events of the demo's webhooks that ingest accepts (a refused webhook queues none)."""
    deliveries = json.loads((demo_dir / "webhooks.json").read_text())
    return [e for d in deliveries if d["expect"] == 202 for e in d["body"]["events"]]


def value(number: Any) -> str:
    """A stored number by its value: DynamoDB keeps the digits its additions made, so sums added
    in another order may end in another count of zeros (12.10 and 12.1) while equal."""
    return str(number.normalize()) if isinstance(number, Decimal) else str(number)


def items(rt: LocalRuntime) -> dict[str, list[str]]:
    """Every item the score stage keeps (hot_since as flagged: its value is a batch's clock)."""
    return compared({name: dynamo.scan(rt.table(name)) for name in TABLES})


def compared(scanned: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    found = {}
    for name in TABLES:
        marked = [i | ({"hot_since": "flagged"} if "hot_since" in i else {}) for i in scanned[name]]
        found[name] = sorted(json.dumps(i, sort_keys=True, default=value) for i in marked)
    return found


def jsonl(path: Path, events: list[Any]) -> Path:
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events))
    return path


def queued(stack: DeployedStack) -> int:
    depth: int = stack.rt.depth("RehydrateQueue") + stack.rt.depth("ScoreQueue")
    return depth


def test_a_file_with_a_bad_line_sends_nothing(fresh_stack: DeployedStack, tmp_path: Path) -> None:
    good = [e for e in demo_events() if e["type"] == "interaction"][:5]
    bad = good[1] | {"actor_id": HANDLE}
    comment = next(e for e in demo_events() if e.get("kind") == "comment")
    said = f"{HANDLE}: what does pricing look like for 500 seats?"
    words = comment | {"actor_id": "71000000099", "own_text": said}
    path = jsonl(tmp_path / "history.jsonl", [good[0], bad, *good[2:], "{", words])

    answer = fresh_stack.socialscore("backfill", str(path))

    assert answer.code == 1
    assert "2 of 7 lines refused; nothing sent" in answer.out
    assert "  2  actor_id: " in answer.out
    assert "  6  line: not JSON" in answer.out
    assert HANDLE not in answer.out + answer.err
    assert queued(fresh_stack) == 0
    assert not (tmp_path / "history.jsonl.backfill.json").exists()

    loaded = fresh_stack.socialscore("backfill", str(path), "--skip-bad", "--json")
    assert loaded.code == 0, loaded.err
    summary = loaded.json()
    assert summary["accepted"] == 5
    assert summary["refused"] == {
        "actor_id: String should match pattern '^[A-Za-z0-9_.:-]+$'": 1,
        "line: not JSON": 1,
    }
    fresh_stack.rt.drain()
    ledger = dynamo.scan(fresh_stack.rt.table("LedgerTable"))
    assert len(ledger) == 5
    assert any("pricing" in json.dumps(i, default=str) for i in ledger)  # its intent counted
    stored = [i for name in fresh_stack.rt.physical if name.endswith("Table")
              for i in dynamo.scan(fresh_stack.rt.table(name))]  # fmt: skip
    assert not any(HANDLE in json.dumps(i, default=str) for i in stored)
    assert not any("seats" in json.dumps(i, default=str) for i in stored)


def test_shuffled_pieces_store_what_live_delivery_stores(tmp_path: Path) -> None:
    events = demo_events(moved_demo(tmp_path / "demo"))  # as the shared state replayed them
    random.Random(23).shuffle(events)
    half = len(events) // 2
    first = jsonl(tmp_path / "part1.jsonl", events[:half])
    second = jsonl(tmp_path / "part2.jsonl", events[half:])

    # The demo's webhooks delivered live and drained: the items the shared state took of them.
    replayed = demo_states()[0].items
    live = compared({name: [dynamo.from_item(i) for i in replayed[name]] for name in TABLES})

    with deployed(tmp_path / "backfill", traffic=False) as stack:
        for piece in (second, first):
            answer = stack.socialscore("backfill", str(piece), "--json")
            assert answer.code == 0, answer.err
            stack.rt.drain()
        assert items(stack.rt) == live

        again = stack.socialscore("backfill", str(first), "--json").json()
        assert again["accepted"] == 0
        assert again["already_queued"] + again["duplicates"] == half
        assert queued(stack) == 0

        forced = stack.socialscore("backfill", str(first), "--again", "--json").json()
        assert forced["accepted"] == again["already_queued"]
        stack.rt.drain()
        assert items(stack.rt) == live
