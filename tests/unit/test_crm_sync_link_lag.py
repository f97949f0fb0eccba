"""A contact linked a moment before a crm_sync run gets its scores all the same: the identities
table's `by_contact` index, which crm_sync reads a contact's identities from, is eventually
consistent, so a run may find the new link's contact with no identity yet and push nothing for
it; the run leaves the open ten-minute bucket's marks for the next window (crm_work: the window
keeps until's bucket), so the next run reads the contact again and pushes what a run without the
lag pushes. The identity links' fake lags as the index may (socialscore_local.memory.identities:
`index_lag`); the seed and runs are test_crm_sync_runs.World's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialscore.crm.file import FileCrm
from tests.unit.score_world import MODEL
from tests.unit.test_crm_sync_runs import World, seed_acts, seed_links

LINKED = datetime(2026, 11, 21, 12, 3, tzinfo=UTC)  # mid-bucket: 12:00 to 12:10


def pushed(d: Path, lag: timedelta) -> list[dict[str, Any]]:
    """The contact scores two runs push, 1 s and 15 min after the links, in order."""
    d.mkdir()
    world = World(d)
    w = world.w
    w.links.index_lag, w.links.clock = lag, lambda: w.now
    w.now = LINKED - timedelta(minutes=5)
    world.resolve(seed_acts())  # the acts first, their actors not yet linked
    w.now = LINKED - timedelta(minutes=1)
    world.resolve(seed_links())  # at LINKED (resolve takes a minute)
    for at in (LINKED + timedelta(seconds=1), LINKED + timedelta(minutes=15)):
        w.now = at
        w.crm_sync(FileCrm(world.opportunities, world.outbox), MODEL, lambda: w.now).run(at)
    lines = [json.loads(line) for line in world.outbox.read_text().splitlines()]
    return [r for r in lines if r["type"] == "contact_score"]


def test_a_link_the_index_had_not_shown_at_a_run_is_pushed_by_the_next_run(
    tmp_path: Path,
) -> None:
    at_once = pushed(tmp_path / "at-once", timedelta(0))
    lagging = pushed(tmp_path / "lagging", timedelta(seconds=2))

    assert {r["contact_id"] for r in at_once} == {"C-1", "C-2"}
    assert lagging == at_once  # the same records, one run later
