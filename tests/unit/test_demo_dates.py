"""serve --demo moves the demo's dates so that Engage now and the report show it at once, at
whatever hour serve starts (a shift by whole days left Engage now empty 8 hours a day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialscore_local.seeding import Seeds, place_files

ENGAGE_WINDOW = timedelta(hours=48)  # Engage now's window (README: "Engage now")
ANSWERABLE = {"comment", "quote", "mention"}


@pytest.mark.parametrize("minutes", range(0, 24 * 60, 45))
def test_the_demo_s_last_act_is_an_hour_old_and_engage_now_has_acts(
    tmp_path: Path, minutes: int
) -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC) + timedelta(minutes=minutes)
    deliveries = place_files(tmp_path / str(minutes), Seeds(demo=True), now)
    events = [e for d in deliveries for e in d["body"].get("events", [])]
    when = [datetime.fromisoformat(e["occurred_at"]) for e in events]
    assert now - max(when) == timedelta(hours=1)
    answerable = [w for e, w in zip(events, when, strict=True) if e.get("kind") in ANSWERABLE]
    assert now - max(answerable) < ENGAGE_WINDOW
