"""`socialscore coverage` says where its part from contacts comes from (report.freshness), on a
stack of its own (moto): the demo's, then rebuilt, then as of days after crm_sync's last run."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.ops.conftest import deployed


def test_coverage_says_where_its_part_from_contacts_comes_from(tmp_path: Path) -> None:
    """The demo's stack has no tally yet: recounted. After `socialscore rebuild`: as of
    crm_sync's last run (the rebuild's), its time shown. As of three days after that run with no
    run since, over a ledger this small (DescribeTable's count): recounted again, never the
    tally's numbers shown as current."""
    with deployed(tmp_path / "stack") as stack:
        before = stack.socialscore("coverage", "--json")
        built = stack.socialscore("rebuild", "--no-pause", "--json")
        after = stack.socialscore("coverage", "--json")
        text = stack.socialscore("coverage")
        last_run = datetime.fromisoformat(after.json()["from_contacts"]["last_run"])
        later = (last_run + timedelta(days=3)).isoformat()
        stale = stack.socialscore("coverage", "--as-of", later, "--json")
        stale_text = stack.socialscore("coverage", "--as-of", later)

    assert built.code == 0, built.err
    assert before.json()["from_contacts"] == {"basis": "recount", "last_run": None}
    assert after.json()["from_contacts"]["basis"] == "tally"
    assert after.json()["coverage"] == before.json()["coverage"]  # the same numbers, kept
    assert (
        f"The part from contacts is as of crm_sync's last run, {last_run:%Y-%m-%d %H:%M} UTC"
        in text.out
    )
    assert stale.json()["from_contacts"] == {"basis": "recount", "last_run": None}
    assert "The part from contacts is recounted from every touch" in stale_text.out
    assert "last run" not in stale_text.out
