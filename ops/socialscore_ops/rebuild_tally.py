"""The bucket tally built anew, as the last step of `socialscore rebuild`: every profile's buckets
and the counts per bucket (socialscore.pipeline.bucket_tally), from every identity link, touch
and score, as of now. Afterwards each crm_sync run keeps it.

It holds crm_sync's run lease meanwhile, so no run updates the tally while it is replaced; a run
that finds the lease held does nothing and the next one goes on. The score stage is paused by the
rebuild around it; changes marked from the moment it starts reading are taken by the next run.
It reads every touch into memory (about 1 KB each: at 10 million touches, run it from a machine
with 16 GB).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.bucket_tally import rebuild
from socialscore.store.bucket_tally import BucketTallyStore
from socialscore.store.identities import Identities
from socialscore.store.ledger import Ledger
from socialscore.store.scores import Scores
from socialscore.store.sync_state import SyncState
from socialscore_ops.stack import OpsError, Stack

LEASE = timedelta(minutes=30)  # the longest a build may hold crm_sync off


def rebuild_tally(stack: Stack, model: ScoringModel) -> int:
    """Build the tally as of now; returns how many profiles it keeps."""
    state = SyncState(stack.table("SyncStateTable"))
    owner = f"rebuild-{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    if (held := state.take_lease(owner, now, now + LEASE)) is not None:
        raise OpsError(
            f"crm_sync is running until {held:%H:%M:%S} UTC: run `socialscore rebuild` again "
            "after that (the aggregates are done; only the bucket tally is left)"
        )
    try:
        scores = Scores(stack.table("ScoresTable"))
        return rebuild(
            BucketTallyStore(stack.table("SyncStateTable")),
            model,
            now,
            Identities(stack.table("IdentitiesTable")).all_contacts(),
            Ledger(stack.table("LedgerTable"), scores_table="").every_touch(),
            scores.read_all().profile_items(),
        )
    finally:
        state.release_lease(owner)
