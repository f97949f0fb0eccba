"""The bucket tally built anew, as the last step of `socialscore rebuild`: every profile's buckets
and the counts per bucket (socialscore.pipeline.bucket_tally), and each contact's part of the
identity coverage per day with the day items summing them (domain.coverage), from every identity
link, touch and score, as of now. Afterwards each crm_sync run keeps it.

It holds crm_sync's run lease meanwhile, so no run updates the tally while it is replaced; a run
that finds the lease held does nothing and the next one goes on. The lease is renewed while the
build reads and writes (at a million profiles that is longer than the lease): a run let in
would take its change window and delete marks made since the build began, which the new tally
never reads. A build that finds the lease taken, or held no longer, stops and says so. The score
stage is paused by the rebuild around it; changes marked from the moment it starts reading are
taken by the next run.
It reads every touch into memory (about 1 KB each: at 10 million touches, run it from a machine
with 16 GB).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch
from socialscore.pipeline.bucket_tally import rebuild
from socialscore.store import dynamo
from socialscore.store.bucket_tally import BucketTallyStore
from socialscore.store.identities import Identities
from socialscore.store.ledger_items import entry_of
from socialscore.store.scores import Scores
from socialscore.store.sync_state import SyncState
from socialscore_ops.stack import OpsError, Stack

LEASE = timedelta(minutes=30)  # how long a killed build holds crm_sync off at most
RENEW = timedelta(minutes=1)  # the lease is renewed this often while the build works
AGAIN = "run `socialscore rebuild` again (the aggregates are done; only the bucket tally is left)"


class Lease(Protocol):
    def take_lease(self, owner: str, now: datetime, until: datetime) -> datetime | None: ...


@dataclass
class LeaseHold:
    """crm_sync's run lease as a build holds it: `take` first, then called as the build's `hold`
    (often; it renews the lease once a RENEW)."""

    state: Lease
    owner: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    renewed: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))

    def take(self) -> datetime:
        now = self.clock()
        if (held := self.state.take_lease(self.owner, now, now + LEASE)) is not None:
            raise OpsError(
                f"crm_sync is running until {held:%H:%M:%S} UTC: run `socialscore rebuild` again "
                "after that (the aggregates are done; only the bucket tally is left)"
            )
        self.renewed = now
        return now

    def __call__(self) -> None:
        now = self.clock()
        if now - self.renewed < RENEW:
            return
        if now >= self.renewed + LEASE:  # a crm_sync run may have come and gone meanwhile
            raise OpsError(f"the bucket tally's build held crm_sync's lease no longer: {AGAIN}")
        if (held := self.state.take_lease(self.owner, now, now + LEASE)) is not None:
            raise OpsError(f"crm_sync took its lease (until {held:%H:%M:%S} UTC): {AGAIN}")
        self.renewed = now


def rebuild_tally(stack: Stack, model: ScoringModel) -> int:
    """Build the tally as of now; returns how many profiles it keeps."""
    state = SyncState(stack.table("SyncStateTable"))
    lease = LeaseHold(state, f"rebuild-{uuid.uuid4().hex}")
    now = lease.take()
    try:
        contacts = Identities(stack.table("IdentitiesTable")).all_contacts()
        lease()
        items = Scores(stack.table("ScoresTable")).read_all().profile_items()
        lease()
        return rebuild(
            BucketTallyStore(stack.table("SyncStateTable")),
            model,
            now,
            contacts,
            _touches(stack.table("LedgerTable"), lease),
            items,
            lease,
        )
    finally:
        state.release_lease(lease.owner)


def _touches(ledger: str, hold: Callable[[], None]) -> Iterator[Touch]:
    """Every touch that counts (as Ledger.every_touch), read a page of the scan at a time with
    the lease held between pages: at 10 million touches the scan alone may outlast it."""
    for page in dynamo.scan_pages(ledger):
        hold()
        for item in page:
            if (touch := entry_of(item).counted) is not None:
                yield touch
