"""The attribution job's stores' contract, run against the memory fakes
(socialscore_local.memory: sync_state, journey_state's MemoryJourneyChanges, channel_shares,
ledger) and the DynamoDB stores on moto (store.sync_state, store.journey_state's JourneyChanges
and LedgerProfiles, store.channel_shares), the tables made as template.yaml declares them: the
change marks kept for the job until it has folded them, each day's shares kept with `latest`
never moving back, and what a first build reads (every touched profile, a page at a time, and
every opportunity crm_sync has seen). The job's rules on the fakes:
tests/unit/test_attribution_runs.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from socialscore.domain.interaction import Kind
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import Landing
from socialscore.pipeline.attribution_ports import (
    ChangeFeed,
    OpportunityCatalogue,
    ProfileCatalogue,
)
from socialscore.pipeline.ports import SyncStateStore, TouchLedger
from socialscore.store import dynamo
from socialscore.store.channel_shares import ChannelShares
from socialscore.store.journey_state import JourneyChanges, LedgerProfiles
from socialscore.store.ledger import Ledger
from socialscore.store.sync_state import SyncState
from socialscore_local.memory.channel_shares import MemoryChannelShares
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.journey_state import MemoryJourneyChanges
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.moto_tables import moto_table
from tests.unit.test_scoring import touch

__all__ = ["moto_table"]  # the fixture the contracts below ask for
AT = datetime(2026, 11, 20, 12, tzinfo=UTC)


def deal(opp: str, contact: str) -> Opportunity:
    return Opportunity(
        id=opp,
        contact_ids=[contact],
        currency="USD",
        amount=Decimal("100.00"),
        created_at=AT,
        modified_at=AT,
        stage="Closed Won",
    )


@dataclass
class Stores:
    state: SyncStateStore
    catalogue: OpportunityCatalogue
    feed: ChangeFeed
    shares: MemoryChannelShares | ChannelShares
    ledger: TouchLedger
    profiles: ProfileCatalogue
    marks_left: Callable[[], int]  # the change buckets' marks the table still holds


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Stores:
    if request.param == "memory":
        sync = MemorySyncState(Requests(Clock()))
        ledger = MemoryTouchLedger(changes=sync)
        return Stores(
            sync,
            sync,
            MemoryJourneyChanges(sync),
            MemoryChannelShares(),
            ledger,
            ledger,
            lambda: len(sync.marks),
        )
    make = request.getfixturevalue("moto_table")
    table, ledger, scores = make("SyncStateTable"), make("LedgerTable"), make("ScoresTable")
    state = SyncState(table)

    def marks_left() -> int:
        found = [i for i in dynamo.scan(table) if str(i["key"]).startswith("changed#")]
        return sum(len(i.get("profiles", ())) + len(i.get("contacts", ())) for i in found)

    return Stores(
        state,
        state,
        JourneyChanges(table),
        ChannelShares(table),
        Ledger(ledger, scores, table),
        LedgerProfiles(ledger),
        marks_left,
    )


def test_crm_sync_leaves_the_marks_the_job_has_not_folded_and_the_job_deletes_them(
    stores: Stores,
) -> None:
    state, feed = stores.state, stores.feed
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    state.mark_changed(at + timedelta(minutes=1), profiles=["x#1"])
    feed.hold(at)  # the job's run opened with its bookmark here
    crm_run = at + timedelta(minutes=30)
    state.save(Landing({}, {}), [], {"last_run": crm_run.isoformat()})

    state.consumed(at - timedelta(hours=1), crm_run)  # crm_sync took its window

    assert state.changed_since(at, crm_run) == ({"x#1"}, set())
    feed.folded(at, at + timedelta(hours=1))  # folded here, taken by crm_sync: deleted
    assert state.changed_since(at, crm_run) == (set(), set())
    assert stores.marks_left() == 0


def test_each_day_s_shares_are_kept_and_latest_never_moves_back(stores: Stores) -> None:
    shares = stores.shares
    shares.save("2026-11-22#v1", "2026-11-22T03:00:00+00:00", {"markov": {"s-ana": 0.5}})
    shares.save("2026-11-23#v1", "2026-11-23T03:00:00+00:00", {"markov": {"s-ana": 1.0}})

    shares.save("2026-11-22#v1", "2026-11-22T03:00:00+00:00", {"markov": {"s-ana": 0.25}})

    assert shares.get("2026-11-22#v1") == {"markov": {"s-ana": 0.25}}  # the slot's own, again
    assert shares.get("2026-11-23#v1") == {"markov": {"s-ana": 1.0}}
    assert shares.get() == {"markov": {"s-ana": 1.0}}
    assert shares.get("2026-11-21#v1") is None


def test_a_first_build_reads_every_touched_profile_a_page_at_a_time_and_every_deal(
    stores: Stores,
) -> None:
    touches = [
        touch(Kind.LIKE, iid=f"i{n}", actor=f"a{n % 3}", post_id=str(100 + n), at=AT)
        for n in range(5)
    ]
    stores.ledger.record(list(touches))
    stores.state.save(Landing({}, {}), [deal("o1", "c1"), deal("o2", "c2")], {})

    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        profiles, cursor = stores.profiles.profiles_page(cursor, 2)
        seen += profiles
        pages += 1
        if not cursor:
            break

    assert set(seen) == {"x#a0", "x#a1", "x#a2"}  # a profile may come in two pages
    assert pages >= 3  # five items, two a page
    deals: list[Opportunity] = sorted(stores.catalogue.every_opportunity(), key=lambda o: o.id)
    assert deals == [deal("o1", "c1"), deal("o2", "c2")]
