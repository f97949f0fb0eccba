"""The demo (`make demo`) runs its stream moved so that the last act is an hour old when it
runs, as serve --demo does: the score stage's hot-lead check and Engage now read the wall clock,
so on its own dates the demo showed fewer hot leads every day (none from 2026-12-06)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialscore_local import demo
from socialscore_local.paths import DEMO_DIR


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def acts(directory: Path) -> list[datetime]:
    deliveries = read(directory / "webhooks.json")
    return [
        datetime.fromisoformat(e["occurred_at"])
        for d in deliveries
        for e in d["body"].get("events", [])
    ]


@pytest.mark.parametrize("now", ["2026-12-06T18:39:00Z", "2027-07-01T00:10:00Z"])
def test_every_date_moves_alike_and_the_last_act_is_an_hour_old(tmp_path: Path, now: str) -> None:
    at = datetime.fromisoformat(now)
    moved, as_of = demo.moved(tmp_path / "demo", at)
    shift = as_of - demo.DEMO_AS_OF
    assert at - max(acts(moved)) == timedelta(hours=1)
    assert acts(moved) == [t + shift for t in acts(DEMO_DIR)]
    for name, fields in (
        ("posts.json", ("created_at",)),
        ("opportunities.json", ("created_at", "modified_at")),
    ):
        before, after = read(DEMO_DIR / name), read(moved / name)
        assert len(after) == len(before)
        for old, new in zip(before, after, strict=True):
            for field in fields:
                if field in old:
                    was = datetime.fromisoformat(old[field])
                    assert datetime.fromisoformat(new[field]) == was + shift
            assert {k: v for k, v in new.items() if k not in fields} == {
                k: v for k, v in old.items() if k not in fields
            }
    assert read(moved / "sellers.json") == read(DEMO_DIR / "sellers.json")
    # Every run is read as of the demo's own moment moved alike: after every act and deal.
    assert as_of > max(acts(moved))
    assert as_of.tzinfo == UTC
