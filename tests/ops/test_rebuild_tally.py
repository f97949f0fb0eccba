"""`socialscore rebuild` for the model the pipeline used rewrites nothing, and builds the bucket
tally last: on the demo's stack the report's bucket rows
read from the tally (two items) are those counted from every profile's touches, and so are its
score distribution's bins, and stay so when
an anonymous profile is linked to a contact and crm_sync's function runs (its DynamoDB path);
so are the report's identity coverage rows read from the rollups and the tally's day items (the
linked part moved by crm_sync's transactions) and those counted from every touch; while crm_sync
holds its run lease the tally is not replaced and the command says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from socialscore.domain.coverage import Coverage, coverage
from socialscore.domain.score_bins import bin_of
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.resolution import relink
from socialscore.report.covered import tallied
from socialscore.report.rows import BucketRow, ScoreRow, tallied_buckets
from socialscore.report.snapshot import Snapshot
from socialscore.report.spread import Binned
from socialscore.store import dynamo
from socialscore.store.bucket_tally import BucketTallyStore
from socialscore.store.contact_totals import READY
from socialscore.store.identities import Identities
from socialscore.store.sync_state import SyncState
from socialscore_local.ops_bridge import outputs
from socialscore_ops.stack import Stack
from tests.integration.support import identify
from tests.ops.conftest import DeployedStack, deployed


def kept_rows(table: str) -> list[BucketRow]:
    """The bucket rows the report reads from the tally (report.rows.tallied_buckets)."""
    return tallied_buckets(bundled(), BucketTallyStore(table).built_counts())


def recounted_bins(scores: list[ScoreRow]) -> dict[int, tuple[int, int]]:
    """Every profile's organic score now in the tally's bins: bin -> (profiles, contacts)."""
    out: dict[int, tuple[int, int]] = {}
    for row in scores:
        n = bin_of(max(row.organic, 0.0), bundled().hot_lead_threshold)
        p, c = out.get(n, (0, 0))
        out[n] = (p + 1, c + row.contact)
    return out


def coverage_rows(
    stack: DeployedStack, at: datetime
) -> tuple[list[Coverage] | None, list[Coverage]]:
    """The report's coverage rows from the rollups and the tally, and from every touch."""
    snapshot = Snapshot(Stack("test", outputs(stack.rt)), at)
    tally = BucketTallyStore(stack.rt.table("SyncStateTable"))
    kept = tallied(tally, snapshot.rollups, snapshot.period, at)
    period = snapshot.period
    touches = [t for t in snapshot.touches if period.holds(t.occurred_at)]
    return kept, coverage(touches, set(snapshot.grouping.contact_of))


def test_a_rebuild_rewrites_nothing_builds_the_tally_the_report_reads_and_crm_sync_keeps_it(
    tmp_path: Path,
) -> None:
    """One stack: a rebuild for the model the pipeline used (the bundled one) rewrites nothing;
    the tally as it built it; then as crm_sync kept it when an anonymous profile joined a
    contact."""
    with deployed(tmp_path / "stack") as stack:
        rt = stack.rt
        tables = [rt.table("LedgerTable"), rt.table("ScoresTable")]
        ledger, scores = (dynamo.scan(t) for t in tables)
        # No trigger in the local runtime: nothing to pause, and the queue is empty.
        answer = stack.socialscore("rebuild", "--no-pause", "--json")
        after = [dynamo.scan(t) for t in tables]
        now = datetime.now(UTC)
        first = Snapshot(Stack("test", outputs(rt)), now)
        recounted = first.buckets(first.scores())
        built = kept_rows(rt.table("SyncStateTable"))
        shown = first.counted_buckets().rows  # what the page shows: the tally, now built
        rows, period = first.scores(), first.period  # every profile's, recounted
        distribution = first.spread()  # what the page shows: the tally's bins, now built
        built_coverage, counted_before = coverage_rows(stack, now)

        recent = {t.profile for t in first.touches if period.holds(t.occurred_at)}
        anonymous = next(r.who for r in rows if not r.contact and r.who in recent)
        contact = next(r.who for r in rows if r.contact)
        user = anonymous.split("#", 1)[1]
        link = identify("k1", user=user, contact=contact, at=now)
        relink(
            [link],
            [],
            Identities(rt.table("IdentitiesTable")),
            SyncState(rt.table("SyncStateTable")),
            now,
        )
        before = kept_rows(rt.table("SyncStateTable"))

        rt.run_schedule("CrmSyncFunction", now + timedelta(minutes=15))

        later = Snapshot(Stack("test", outputs(rt)), now + timedelta(minutes=15))
        kept = kept_rows(rt.table("SyncStateTable"))
        recounted_later = later.buckets(later.scores())
        kept_coverage, counted_coverage = coverage_rows(stack, now + timedelta(minutes=15))

    assert answer.code == 0, answer.err
    data = answer.json()
    assert data["model_version"] == bundled().version
    flags = [i for i in ledger if str(i["touch"]).startswith("complaint#")]  # no entries
    assert data["entries_read"] == len(ledger) - len(flags) > 0
    assert (data["entries_rewritten"], data["aggregates_rewritten"]) == (0, 0)
    assert data["aggregates_unchanged"] == len(scores)
    # Item by item, the contacts' items the score stage and the link syncs kept included; and
    # the contacts' ranking marked whole (`top` reads it from now on).
    assert any(str(i["pk"]).startswith("contact#") for i in scores)
    assert after[0] == ledger
    assert [i for i in after[1] if i["pk"] != READY] == scores
    assert {"pk": READY, "ready": True} in after[1]
    assert "ledger [####################] 228/228" in answer.err  # the progress bar
    # the rebuild's tally
    assert shown == recounted
    assert isinstance(distribution, Binned)
    assert distribution.bins == recounted_bins(rows)
    assert distribution.highest == max(r.organic for r in rows)
    assert data["bucket_tally_profiles"] > 0
    assert built == recounted
    assert sum(r.profiles for r in built) > sum(r.contacts for r in built) > 0
    assert built_coverage == counted_before
    assert 0 < counted_before[0].linked_touches < counted_before[0].touches
    # crm_sync's, once the anonymous profile joined a contact
    assert kept == recounted_later
    assert kept_coverage == counted_coverage
    # the profile's touches of the period count for its contact now
    assert counted_coverage[0].linked_touches > counted_before[0].linked_touches
    anonymous_in = [r.profiles - r.contacts for r in kept]
    assert sum(anonymous_in) < sum(r.profiles - r.contacts for r in before)  # it left its buckets


def test_a_rebuild_leaves_the_tally_to_a_crm_sync_run_holding_its_lease(tmp_path: Path) -> None:
    with deployed(tmp_path / "stack") as stack:
        now = datetime.now(UTC)
        SyncState(stack.rt.table("SyncStateTable")).take_lease(
            "run-1", now, now + timedelta(minutes=5)
        )
        answer = stack.socialscore("rebuild", "--no-pause")

    assert answer.code != 0
    assert "crm_sync is running until" in answer.err
