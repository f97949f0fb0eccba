"""A contact linked a moment before a crm_sync run gets its scores all the same. The identities
table's `by_contact` index, which crm_sync reads a contact's identities from, is eventually
consistent, so a run may find the new link's contact with no identity yet and push nothing for
it; but a run consumes no mark newer than INDEX_SETTLE before it started (pipeline.index_settle)
and leaves the open ten-minute bucket's marks for the next window (crm_work), so the next run
reads the link's bucket again and pushes what a run without the lag pushes: mid-bucket, and
within the lag before a bucket's end with the run just after it. The identity links' fake lags as
the index may (`index_lag`); the seed and runs are test_crm_sync_runs.World's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialscore.crm.file import FileCrm
from tests.unit.score_world import MODEL
from tests.unit.test_crm_sync_runs import World, seed_acts, seed_links

BUCKET_END = datetime(2026, 11, 21, 12, 10, tzinfo=UTC)
MID_BUCKET = datetime(2026, 11, 21, 12, 3, tzinfo=UTC)  # 12:00 to 12:10


def pushed(d: Path, linked: datetime, lag: timedelta) -> list[list[dict[str, Any]]]:
    """Per run (1 s and 15 min after the links), the contact score records it pushed."""
    d.mkdir()
    world = World(d)
    w = world.w
    w.links.index_lag, w.links.clock = lag, lambda: w.now
    w.now = linked - timedelta(minutes=5)
    world.resolve(seed_acts())  # the acts first, their actors not yet linked
    w.now = linked - timedelta(minutes=1)
    world.resolve(seed_links())  # at `linked` (resolve takes a minute)
    runs = []
    for at in (linked + timedelta(seconds=1), linked + timedelta(minutes=15)):
        w.now = at
        seen = len(world.outbox.read_text().splitlines()) if world.outbox.exists() else 0
        w.crm_sync(FileCrm(world.opportunities, world.outbox), MODEL, lambda: w.now).run(at)
        records = [json.loads(line) for line in world.outbox.read_text().splitlines()[seen:]]
        runs.append([r for r in records if r["type"] == "contact_score"])
    return runs


def scores(records: list[dict[str, Any]]) -> dict[str, float]:
    return {r["contact_id"]: r["organic_score"] for r in records}


def test_a_link_the_index_had_not_shown_at_a_run_is_pushed_by_the_next_run(
    tmp_path: Path,
) -> None:
    at_once = pushed(tmp_path / "at-once", MID_BUCKET, timedelta(0))
    lagging = pushed(tmp_path / "lagging", MID_BUCKET, timedelta(seconds=2))

    assert {r["contact_id"] for r in at_once[0]} == {"C-1", "C-2"}
    assert lagging[0] + lagging[1] == at_once[0] + at_once[1]  # the same records, a run later


@pytest.mark.parametrize("lag", [timedelta(seconds=2), timedelta(seconds=30)])
def test_a_link_just_before_a_bucket_ends_is_pushed_by_the_next_run(
    tmp_path: Path, lag: timedelta
) -> None:
    linked = BUCKET_END - timedelta(milliseconds=500)  # the run 1 s later is in the next bucket
    at_once = pushed(tmp_path / "at-once", linked, timedelta(0))
    lagging = pushed(tmp_path / "lagging", linked, lag)

    assert set(scores(at_once[0])) == {"C-1", "C-2"}
    assert lagging[0] == []  # the run 1 s after found no identity for either contact
    assert scores(lagging[1]) == scores(at_once[0])  # the next run pushed them all the same
