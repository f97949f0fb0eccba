"""Each store's contract, run against its in-memory fake (socialscore_local.memory) and its
DynamoDB adapter on moto, the table made as template.yaml declares it: a rule proven on the fake
in a unit test holds on the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

import pytest

from socialscore.domain import record_key as rk
from socialscore.domain.delivery import Claim
from socialscore.domain.interaction import Network
from socialscore.domain.messages import Seller
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.post import CachedPost, PostFacts, PostRef
from socialscore.domain.record_key import Erasures, Landing, Pushed, RecordKey
from socialscore.pipeline.ports import CrmPending, DeliveryLog, PostCacheStore, SyncStateStore
from socialscore.store.deliveries import DeliveriesTable
from socialscore.store.post_cache import PostCache
from socialscore.store.sellers import Sellers
from socialscore.store.sync_state import SyncState
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.deliveries import MemoryDeliveries
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.sellers import MemorySellers
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.moto_tables import moto_table

NOW = 1_790_000_000
__all__ = ["moto_table"]  # the fixture the contracts below ask for


# --- the post cache ---------------------------------------------------------------------------
@pytest.fixture(params=["memory", "dynamodb"])
def cache(request: pytest.FixtureRequest) -> PostCacheStore:
    if request.param == "memory":
        return MemoryPostCache()
    make = request.getfixturevalue("moto_table")
    return PostCache(make("PostCacheTable"))


def post(n: int, *, known: bool = True, hits: tuple[str, ...] = ()) -> CachedPost:
    facts = PostFacts(
        network=Network.X,
        post_id=str(2_100_000_000_000_000_000 + n),
        author_id="u1",
        created_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC) if known else None,
        referenced_post_id="2100000000000000999" if known else None,
        conversation_id="2100000000000000998" if known else None,
        author_followers=12_000 if known else None,
    )
    return CachedPost(facts, hits, "2026-11-01", ("still broken",) if hits else ())


def ref(n: int) -> PostRef:
    return post(n).facts.ref


def test_a_cached_post_reads_back_whole_and_an_unknown_one_is_a_miss(
    cache: PostCacheStore,
) -> None:
    full, bare = post(1, hits=("pricing", "demo")), post(2, known=False)
    cache.update([full, bare], [])
    assert cache.get_many([ref(1), ref(2), ref(3)]) == {ref(1): full, ref(2): bare}


def test_a_gone_post_leaves_nothing_unless_the_same_update_caches_it(
    cache: PostCacheStore,
) -> None:
    cache.update([post(1), post(2), post(3)], [])
    cache.update([post(2, hits=("pricing",))], [ref(1), ref(2)])
    cache.purge([ref(3)])
    assert cache.get_many([ref(1), ref(2), ref(3)]) == {ref(2): post(2, hits=("pricing",))}


# --- the seller registry ----------------------------------------------------------------------
@pytest.fixture(params=["memory", "dynamodb"])
def sellers(request: pytest.FixtureRequest) -> MemorySellers | Sellers:
    if request.param == "memory":
        return MemorySellers()
    make = request.getfixturevalue("moto_table")
    return Sellers(make("SellersTable"))


def test_a_registered_account_is_its_sellers_and_registering_again_moves_it(
    sellers: MemorySellers | Sellers,
) -> None:
    sellers.register("x#31337", Seller(seller_id="s-ana", team="enterprise"))
    sellers.register("x#2244994945", Seller(seller_id="brand", team="marketing"))
    sellers.register("x#31337", Seller(seller_id="s-ana", team="emea"))
    assert sellers.of_accounts(["x#31337", "x#2244994945", "x#1"]) == {
        "x#31337": Seller(seller_id="s-ana", team="emea"),
        "x#2244994945": Seller(seller_id="brand", team="marketing"),
    }
    assert sellers.of_accounts([]) == {}


# --- the replay memory ------------------------------------------------------------------------
@pytest.fixture(params=["memory", "dynamodb"])
def deliveries(request: pytest.FixtureRequest) -> DeliveryLog:
    if request.param == "memory":
        return MemoryDeliveries()
    make = request.getfixturevalue("moto_table")
    return DeliveriesTable(make("DeliveriesTable"))


def test_a_delivery_is_new_until_queued_then_acknowledged_and_another_body_conflicts(
    deliveries: DeliveryLog,
) -> None:
    assert deliveries.claim("smms#m1", "d1", NOW + 660, NOW) is Claim.NEW
    assert deliveries.claim("smms#m1", "d1", NOW + 660, NOW + 1) is Claim.NEW  # not queued yet
    assert deliveries.claim("smms#m1", "d2", NOW + 660, NOW + 1) is Claim.CONFLICT
    deliveries.queued("smms#m1", "d2")  # another body's: marks nothing
    assert deliveries.claim("smms#m1", "d1", NOW + 660, NOW + 1) is Claim.NEW
    deliveries.queued("smms#m1", "d1")
    assert deliveries.claim("smms#m1", "d1", NOW + 660, NOW + 2) is Claim.QUEUED
    assert deliveries.claim("smms#m1", "d2", NOW + 660, NOW + 2) is Claim.CONFLICT
    assert deliveries.claim("smms#m2", "d1", NOW + 660, NOW + 2) is Claim.NEW


def test_a_delivery_is_live_until_its_expiry_then_forgotten_whatever_its_body(
    deliveries: DeliveryLog,
) -> None:
    deliveries.claim("smms#m1", "d1", NOW + 660, NOW)
    deliveries.queued("smms#m1", "d1")
    assert deliveries.claim("smms#m1", "d2", NOW + 2000, NOW + 660) is Claim.CONFLICT  # at expiry
    assert deliveries.claim("smms#m1", "d2", NOW + 2000, NOW + 661) is Claim.NEW
    assert deliveries.claim("smms#m1", "d1", NOW + 2000, NOW + 662) is Claim.CONFLICT


# --- crm_sync's state -----------------------------------------------------------------------------
class SyncStateAndPending(SyncStateStore, CrmPending, Protocol):
    """One store is both: crm_sync's state, and what the score stage leaves it to do."""


@pytest.fixture(params=["memory", "dynamodb"])
def sync_state(request: pytest.FixtureRequest) -> SyncStateAndPending:
    if request.param == "memory":
        return MemorySyncState(Requests(Clock()))
    make = request.getfixturevalue("moto_table")
    return SyncState(make("SyncStateTable"))


AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def opportunity(opp: str, *contacts: str) -> Opportunity:
    return Opportunity(
        id=opp,
        contact_ids=list(contacts),
        currency="EUR",
        amount=Decimal("1200.50"),
        created_at=AT,
        modified_at=AT,
    )


def test_what_a_push_left_reads_back_by_its_record_key(sync_state: SyncStateStore) -> None:
    case = RecordKey.parse("complaint#x#5#i#abc")
    pushed = {
        rk.contact("c1"): Pushed("d1", [], {"carried": "none", "buckets": "[]"}),
        rk.opportunity("o1"): Pushed("d2", ["o1|linear|seller|s1", "o1|linear|post|x#9"]),
        case: Pushed("d3"),
    }
    sync_state.save(
        Landing(pushed, {"x#5": {case}}),
        [opportunity("o1", "c1", "c2")],
        {"last_run": AT.isoformat(), "marks_after": "", "checkpoint#hubspot": AT.isoformat()},
    )

    assert sync_state.pushed([rk.contact("c1"), rk.opportunity("o1"), case, rk.hot("x#5")]) == {
        rk.contact("c1"): Pushed("d1", [], {"carried": "none", "buckets": "[]"}),
        rk.opportunity("o1"): Pushed("d2", ["o1|linear|seller|s1", "o1|linear|post|x#9"]),
        case: Pushed("d3"),
    }
    assert sync_state.bookmarks("hubspot") == {
        "last_run": AT.isoformat(),
        "marks_after": "",
        "checkpoint#hubspot": AT.isoformat(),
    }
    assert sync_state.opportunities(["o1", "o9"]) == [opportunity("o1", "c1", "c2")]
    assert sync_state.opportunities_of(["c2", "c9"]) == {"o1"}


def test_marks_read_by_their_ten_minute_buckets_and_a_taken_window_goes(
    sync_state: SyncStateStore,
) -> None:
    sync_state.mark_changed(AT + timedelta(minutes=1), profiles=["x#1"])
    sync_state.mark_changed(AT + timedelta(minutes=12), contacts=["c2"])
    sync_state.mark_changed(AT + timedelta(minutes=19), profiles=["x#3"])

    # From since's bucket to until's, both whole: x#3 marked after until, in its bucket.
    assert sync_state.changed_since(AT + timedelta(minutes=5), AT + timedelta(minutes=15)) == (
        {"x#1", "x#3"},
        {"c2"},
    )
    sync_state.consumed(AT, AT + timedelta(minutes=15))  # until's bucket stays: it takes marks
    assert sync_state.changed_since(AT, AT + timedelta(minutes=15)) == ({"x#3"}, {"c2"})


def test_an_erasure_is_pending_until_done_and_forget_leaves_nothing_naming_it(
    sync_state: SyncStateAndPending,
) -> None:
    case = RecordKey.parse("complaint#x#5#i#abc")
    kept = {rk.contact("c5"): Pushed("d1"), rk.hot("x#5"): Pushed("d2"), case: Pushed("d3")}
    sync_state.save(Landing(kept | {rk.contact("c6"): Pushed("d4")}, {"x#5": {case}}), [], {})
    sync_state.mark_changed(AT + timedelta(minutes=1), profiles=["x#5", "x#6"], contacts=["c5"])
    sync_state.mark_erased(["c5"], ["x#5"])
    assert sync_state.pending() == ({"c5"}, {"x#5"})

    sync_state.forget(Erasures({"c5"}, {"x#5"}), AT, AT + timedelta(minutes=5))
    sync_state.done(["c5"], ["x#5"])

    assert sync_state.pushed([*kept, rk.contact("c6")]) == {rk.contact("c6"): Pushed("d4")}
    assert sync_state.changed_since(AT, AT + timedelta(minutes=5)) == ({"x#6"}, set())
    assert sync_state.pending() == (set(), set())
