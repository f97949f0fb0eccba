"""The opportunities' kept splits, as a step of `socialscore rebuild`: every opportunity crm_sync
has seen with no splits kept under the live model's attribution rules (kept by a release
before, or attributed under other rules since) is split from its journey (report.journeys: its
contacts' identities' touches, a Query of the ledger each) and put back with them and the
`by_created` index's attributes (store.opportunities); then the index is marked whole, and the
leaderboard, posts and the report read a period's opportunities by one Query instead of a scan.

An opportunity crm_sync attributes meanwhile under the same rules is left as the run wrote it
(the put is conditional). Reads: one scan of the sync-state table, then the journeys of the
opportunities it splits."""

from __future__ import annotations

from socialscore.domain.scoring_model import ScoringModel
from socialscore.report.journeys import Journeys
from socialscore.store.opportunities import Opportunities
from socialscore.wiring.reads import Stores
from socialscore_ops.stack import Stack


def rebuild_opportunities(stack: Stack, live: ScoringModel) -> int:
    """Split and keep each opportunity with no current splits; how many were put."""
    records = Opportunities(stack.table("SyncStateTable"))
    stores = Stores(stack.table)
    identities = stores.identities
    journeys = Journeys(identities, identities.identities_of, stores.ledger, live)
    stale = [r.opportunity for r in records.every() if r.current(live) is None]
    kept = sum(records.keep(opp, splits) for opp, splits in journeys.attributions(stale))
    records.mark_indexed()
    return kept
