"""The bucket tally's store, in memory and on the SyncStateTable (moto): a unit's change moves the
counts and its due entry together, conditioned on the version read (a stale write changes
nothing); a unit emptied leaves no item; the to-do list and the place; a rebuild replaces
everything, and until one the tally says it is not built; a contact's part of the identity
coverage moves its days' items by the difference, from the first day asked on; a unit's score
bin moves its bin's counts beside the buckets', and a build names the bins it kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from socialscore.domain.bucket_tally import Kept
from socialscore.domain.coverage import Sums
from socialscore.domain.score_bins import AT_THRESHOLD, counted
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.bucket_tally import TallyStore
from socialscore.report.rows import tallied_buckets
from socialscore.store.bucket_tally import BucketTallyStore, TallyNotBuilt
from socialscore_local.memory.bucket_tally import MemoryBucketTally
from socialscore_local.memory.counting import Clock, Requests
from tests.integration.moto_tables import moto_table

__all__ = ["moto_table"]  # the fixture the contracts below ask for

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TODAY, TOMORROW = AT.date(), (AT + DAY).date()
BUYER = Kept(("likely_buyer", "advocate"), AT + DAY, contact=True)
PROSPECT = Kept(("prospect",), None, contact=False)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> TallyStore:
    if request.param == "memory":
        return MemoryBucketTally(Requests(Clock()))
    make = request.getfixturevalue("moto_table")
    return BucketTallyStore(make("SyncStateTable"))


def test_a_store_never_built_says_so(store: TallyStore) -> None:
    assert not store.place().built
    assert store.counts() == {}


def test_a_rebuild_writes_every_unit_the_counts_the_due_entries_and_the_place(
    store: TallyStore,
) -> None:
    store.replace({"c:C-1": BUYER, "p:x#1": PROSPECT}, AT, TODAY)

    place = store.place()
    assert (place.built, place.marks_through, place.due_from) == (True, AT, TODAY)
    assert store.counts() == {"likely_buyer": (1, 1), "advocate": (1, 1), "prospect": (1, 0)}
    kept = store.kept(["c:C-1", "p:x#1", "p:x#2"])
    assert {u: s.value for u, s in kept.items()} == {"c:C-1": BUYER, "p:x#1": PROSPECT}
    assert store.due(TODAY, TOMORROW) == {"c:C-1"}
    assert store.due(TODAY, TODAY) == set()

    store.replace({"p:x#1": PROSPECT}, AT + DAY, TOMORROW)  # again: what was is gone

    assert store.counts() == {"prospect": (1, 0)}
    assert store.kept(["c:C-1"]) == {}
    assert store.due(TODAY, TOMORROW) == set()


def test_a_change_moves_the_counts_and_the_due_entry_once(store: TallyStore) -> None:
    store.replace({}, AT, TODAY)
    assert store.apply("c:C-1", None, BUYER)
    first = store.kept(["c:C-1"])["c:C-1"]
    later = Kept(("advocate",), AT + 3 * DAY, contact=True)

    assert store.apply("c:C-1", first, later)
    assert not store.apply("c:C-1", first, PROSPECT)  # read before the last write: refused

    assert store.counts() == {"advocate": (1, 1)}
    assert store.kept(["c:C-1"])["c:C-1"].value == later
    assert store.due(TODAY, TOMORROW) == set()
    assert store.due(TODAY, TODAY + 3 * DAY) == {"c:C-1"}
    assert not store.apply("c:C-2", first, PROSPECT)  # no such unit: nothing to replace


def test_a_unit_emptied_leaves_no_item_and_no_due_entry(store: TallyStore) -> None:
    store.replace({"c:C-1": BUYER}, AT, TODAY)
    stored = store.kept(["c:C-1"])["c:C-1"]

    assert store.apply("c:C-1", stored, None)

    assert store.kept(["c:C-1"]) == {}
    assert store.due(TODAY, TOMORROW) == set()
    assert store.counts() == {}
    assert store.apply("c:C-1", None, PROSPECT)  # and it may come back as new


def test_the_to_do_list_and_the_place(store: TallyStore) -> None:
    store.replace({}, AT, TODAY)
    store.set_todo(["p:x#1", "p:x#2", "c:C-1"], [])
    store.set_todo(["p:x#3"], ["p:x#1", "c:C-1", "p:x#3"])  # one left again stays

    assert store.todo() == {"p:x#2", "p:x#3"}
    store.moved(AT + DAY, TOMORROW)
    place = store.place()
    assert (place.marks_through, place.due_from) == (AT + DAY, TOMORROW)


def test_the_report_reads_the_rows_in_the_models_order_once_built(
    moto_table: object,
) -> None:
    table = moto_table("SyncStateTable")  # type: ignore[operator]
    model = bundled()
    with pytest.raises(TallyNotBuilt):
        BucketTallyStore(table).built_counts()

    BucketTallyStore(table).replace({"c:C-1": BUYER, "p:x#1": PROSPECT}, AT, TODAY)

    rows = tallied_buckets(model, BucketTallyStore(table).built_counts())
    assert [(r.name, r.profiles, r.contacts) for r in rows] == [
        ("likely_buyer", 1, 1),
        ("advocate", 1, 1),
        ("influencer", 0, 0),
        ("prospect", 1, 0),
    ]


D1, D2, D3 = "2026-11-18", "2026-11-19", "2026-11-20"
SHARE = (1, Decimal("2.5"))


def covered(cover: dict[str, Sums]) -> Kept:
    return Kept(("advocate",), None, contact=True, cover=cover)


def test_a_contact_s_coverage_moves_its_days_by_the_difference_once(store: TallyStore) -> None:
    days = [TODAY - 2 * DAY, TODAY - DAY, TODAY]
    first = {D1: {"n#x": SHARE, "s#ana": SHARE}, D2: {"n#x": (2, Decimal(5)), "s#ana": SHARE}}
    store.replace({"c:C-1": covered(first), "c:C-2": covered({D2: {"n#x": SHARE}})}, AT, TODAY)
    assert store.place().cover
    assert store.cover(days) == {
        D1: {"n#x": SHARE, "s#ana": SHARE},
        D2: {"n#x": (3, Decimal("7.5")), "s#ana": SHARE},
    }
    stored = store.kept(["c:C-1"])["c:C-1"]
    assert stored.value == covered(first)
    later = covered({D1: {}, D3: {"n#linkedin": SHARE, "s#(no seller)": SHARE}})

    assert store.apply("c:C-1", stored, later, TODAY - DAY)  # D1 is before: never read again
    assert not store.apply("c:C-1", stored, covered({}), TODAY - DAY)  # stale: nothing moves

    assert store.cover(days) == {
        D1: {"n#x": SHARE, "s#ana": SHARE},
        D2: {"n#x": SHARE},
        D3: {"n#linkedin": SHARE, "s#(no seller)": SHARE},
    }
    gone = store.kept(["c:C-2"])["c:C-2"]
    assert store.apply("c:C-2", gone, None, TODAY - DAY)  # emptied: its part taken out
    assert store.cover([TODAY - DAY]) == {D2: {}}


def test_a_store_built_before_it_kept_coverage_says_so(store: TallyStore) -> None:
    store.moved(AT, TODAY)  # a run's place, no build: as a tally built by an earlier version
    assert not store.place().cover


def test_a_unit_s_score_bin_moves_its_bin_s_counts_once_and_the_build_names_its_bins(
    store: TallyStore,
) -> None:
    binned = replace(BUYER, bin=AT_THRESHOLD)
    store.replace({"c:C-1": binned, "p:x#1": replace(PROSPECT, bin=0)}, AT, TODAY, bins="50x")
    assert store.place().bins == "50x"
    assert counted(store.counts()) == {AT_THRESHOLD: (1, 1), 0: (1, 0)}
    stored = store.kept(["c:C-1"])["c:C-1"]
    assert stored.value == binned

    cooled = replace(binned, bin=AT_THRESHOLD - 1)  # decay took it under the threshold
    assert store.apply("c:C-1", stored, cooled)
    assert not store.apply("c:C-1", stored, cooled)  # the same change again: refused

    assert counted(store.counts()) == {AT_THRESHOLD - 1: (1, 1), 0: (1, 0)}
    buckets = {b: pc for b, pc in store.counts().items() if not b.startswith("bin~")}
    assert buckets == {"likely_buyer": (1, 1), "advocate": (1, 1), "prospect": (1, 0)}
    store.moved(AT + DAY, TOMORROW)  # a run keeps the build's bins
    before = store.place()
    assert before.bins == "50x"
    store.forget_bins()  # a run under another threshold: the rest of the place kept
    assert store.place() == replace(before, bins=None)
    store.replace({}, AT, TODAY)  # a build that keeps no bins says so
    assert store.place().bins is None
