"""The touch ledger's contract, with its complaint flags, engage-now reads and answered marks, run
against the memory fakes (socialscore_local.memory.ledger, complaint_flags, engage) and the
DynamoDB stores on moto (store.ledger, complaint_flags, engage), the tables made as
template.yaml declares them: the same events leave the same ledger items and score items,
item for item, so a rule proven on the fakes in a unit test holds on the tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialscore.domain.aggregates import coalesce, settle
from socialscore.domain.decay import EPOCH
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.ledger_rules import FOREVER, LedgerEntry
from socialscore.domain.limits import Refused
from socialscore.domain.messages import Seller
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.pipeline.ports import (
    AnswerMarks,
    ComplaintFlagStore,
    EngageActs,
    SyncStateStore,
    TouchLedger,
)
from socialscore.store import dynamo
from socialscore.store.complaint_flags import ComplaintFlags
from socialscore.store.engage import EngageStore
from socialscore.store.ledger import Ledger
from socialscore.store.ledger_items import item_of
from socialscore.store.scores import item_key
from socialscore.store.sync_state import SyncState
from socialscore_local.memory.complaint_flags import MemoryComplaintFlags
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.engage import MemoryEngage
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.scores import MemoryScoreStore
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.moto_tables import moto_table
from tests.unit.test_scoring import touch

__all__ = ["moto_table"]  # the fixture the contracts below ask for
ANA = Seller(seller_id="s-ana", team="enterprise")
NOW = datetime.now(UTC).replace(microsecond=0)
KEPT = {"team", "hot_since"}  # the text an item holds besides its indexes' keys


@dataclass
class Tables:
    ledger: TouchLedger
    flags: ComplaintFlagStore
    engage: EngageActs
    marks: AnswerMarks
    sync: SyncStateStore
    ledger_items: Callable[[], dict[tuple[str, str], dict[str, Any]]]
    score_items: Callable[[], dict[str, dict[str, Any]]]  # by the table's key


@pytest.fixture(params=["memory", "dynamodb"])
def tables(request: pytest.FixtureRequest) -> Tables:
    if request.param == "memory":
        sync = MemorySyncState(Requests(Clock()))
        memory = MemoryTouchLedger(changes=sync)
        engage = MemoryEngage(memory)
        return Tables(
            memory,
            MemoryComplaintFlags(memory),
            engage,
            engage,
            sync,
            lambda: dict(memory.items),
            lambda: {item_key(k): v for k, v in memory.scores.items.items()},
        )
    make = request.getfixturevalue("moto_table")
    ledger, scores, sync_table = make("LedgerTable"), make("ScoresTable"), make("SyncStateTable")
    store = EngageStore(ledger)

    def score_items() -> dict[str, dict[str, Any]]:
        """The counts, sums and team of each item: the text keys the adapter adds for its
        readers' indexes (store.scores) are its own business."""
        return {
            i.pop("pk"): {n: v for n, v in i.items() if not isinstance(v, str) or n in KEPT}
            for i in dynamo.scan(scores)
        }

    return Tables(
        Ledger(ledger, scores, sync_table),
        ComplaintFlags(ledger),
        store,
        store,
        SyncState(sync_table),
        lambda: {(i["profile"], i["touch"]): i for i in dynamo.scan(ledger)},
        score_items,
    )


def stored(t: Touch, withdrawn: datetime | None = None) -> dict[str, Any]:
    """The ledger item of an entry, as the table holds it (no attribute for a None)."""
    item = item_of(t.profile, t.dedupe_key, LedgerEntry(t, withdrawn))
    return {k: v for k, v in item.items() if v is not None}


def counters(*touches: Touch) -> dict[str, dict[str, Any]]:
    """The score items these counted touches make written in one clean pass (each on its own
    shard), by the table's key."""
    table = MemoryScoreStore()
    agg = coalesce(list(touches), [])
    for key, delta in agg.counters.items():
        if (w := settle(key, delta)) is not None:
            table.write(key, w, agg.teams.get(key))
    return {item_key(k): v for k, v in table.items.items()}


def test_a_batch_leaves_its_entries_and_aggregates_once_and_marks_its_profiles(
    tables: Tables,
) -> None:
    like = touch(Kind.LIKE, iid="l", seller=ANA, at=NOW - timedelta(hours=2))
    comment = touch(Kind.COMMENT, iid="c", actor="actor2", seller=ANA, at=NOW - timedelta(hours=1))
    click = touch(Kind.CLICK, iid="p", category=Category.PAID, at=NOW - timedelta(hours=1))
    assert tables.ledger.record([like, comment, click, like]) == 3

    assert tables.ledger_items() == {
        (t.profile, t.dedupe_key): stored(t) for t in (like, comment, click)
    }
    assert tables.score_items() == counters(like, comment, click)
    assert tables.sync.changed_since(NOW - timedelta(hours=1), NOW + timedelta(minutes=10)) == (
        {"x#actor1", "x#actor2"},
        set(),
    )
    before = (tables.ledger_items(), tables.score_items())
    assert tables.ledger.record([click, comment, like]) == 0  # a redelivery changes nothing
    assert (tables.ledger_items(), tables.score_items()) == before
    assert sorted(t.interaction_id for t in tables.ledger.touches_of("x#actor1")) == ["l", "p"]


def test_an_act_replaced_then_taken_back_leaves_what_a_clean_pass_leaves(tables: Tables) -> None:
    organic = touch(Kind.LIKE, iid="o", seller=ANA, at=EPOCH)
    paid = touch(Kind.LIKE, iid="p", seller=ANA, category=Category.PAID, at=EPOCH)
    assert tables.ledger.record([organic]) == 1
    assert tables.ledger.record([paid]) == 1  # the same like, reported paid: it replaces
    assert tables.score_items() == counters(paid)
    unlike = Withdrawal(paid.profile, paid.dedupe_key, EPOCH + timedelta(days=1))
    assert tables.ledger.record([unlike]) == 1
    assert tables.score_items() == {}  # no counter at 0, no item that counts nothing
    assert tables.ledger_items() == {(paid.profile, paid.dedupe_key): stored(paid, unlike.at)}
    assert tables.ledger.touches_of(paid.profile) == []


def test_a_deleted_post_s_acts_go_for_good_and_its_marker_keeps_the_earliest_report(
    tables: Tables,
) -> None:
    reply = replace(touch(Kind.COMMENT, iid="r", seller=ANA, at=EPOCH), own_post="x#901")
    other = touch(Kind.LIKE, iid="k", actor="actor2", seller=ANA, at=EPOCH)
    tables.ledger.record([reply, other])
    early, late = EPOCH + timedelta(hours=1), EPOCH + timedelta(hours=2)

    assert tables.ledger.delete_post("x#901", late) == 1
    assert tables.ledger.delete_post("x#901", early) == 0  # already withdrawn for good
    later = replace(reply, interaction_id="r2", occurred_at=EPOCH + timedelta(days=9))
    assert tables.ledger.record([later]) == 1  # stored, never counted: its post is gone

    items = tables.ledger_items()
    assert items[("deleted#x#901", "-")] == {
        "profile": "deleted#x#901",
        "touch": "-",
        "deleted_at": early.isoformat(),
    }
    assert items[(reply.profile, reply.dedupe_key)] == stored(later, FOREVER)
    assert tables.ledger.touches_of(reply.profile) == []
    assert tables.score_items() == counters(other)
    tables.ledger.delete_post("x#902", early)  # the other order: the earliest report stands
    tables.ledger.delete_post("x#902", late)
    assert tables.ledger_items()[("deleted#x#902", "-")]["deleted_at"] == early.isoformat()


def test_an_erasure_takes_the_entries_flags_and_marks_out_and_leaves_the_others(
    tables: Tables,
) -> None:
    complaint = replace(
        touch(Kind.COMMENT, iid="c", seller=ANA, at=NOW - timedelta(hours=1)),
        own_post="x#902",
        complaint_hits=("worst",),
    )
    like = touch(Kind.LIKE, iid="l", seller=ANA, at=NOW - timedelta(hours=2))
    kept = touch(Kind.LIKE, iid="k", actor="actor2", seller=ANA, at=NOW - timedelta(hours=2))
    tables.ledger.record([complaint, like, kept])
    key = (complaint.profile, complaint.dedupe_key)
    assert tables.flags.unannounced([key]) == {key: complaint}
    tables.flags.mark([key])
    tables.marks.mark_answered({"x#902": NOW}, NOW)

    assert tables.ledger.erase("x#actor1") == 2
    assert tables.ledger.erase("x#actor1") == 0  # idempotent

    assert tables.ledger_items() == {(kept.profile, kept.dedupe_key): stored(kept)}
    assert tables.score_items() == counters(kept)
    assert tables.engage.answered(["x#902"]) == set()


def test_a_complaint_is_unannounced_until_flagged_and_only_while_it_counts(tables: Tables) -> None:
    def said(n: int, hits: tuple[str, ...] = ("worst",)) -> Touch:
        base = touch(Kind.COMMENT, iid=f"c{n}", actor=f"a{n}", at=NOW - timedelta(hours=1))
        return replace(base, own_post=f"x#95{n}", complaint_hits=hits)

    first, second, plain = said(1), said(2), said(3, ())
    tables.ledger.record([first, second, plain])
    keys = [(t.profile, t.dedupe_key) for t in (first, second, plain)] + [("x#a9", "i#none")]
    assert tables.flags.unannounced(keys) == {keys[0]: first, keys[1]: second}

    tables.flags.mark([keys[0]])
    tables.flags.mark([keys[0]])  # a flag again changes nothing
    tables.ledger.record([Withdrawal(second.profile, second.dedupe_key, NOW)])
    assert tables.flags.unannounced(keys) == {}
    assert tables.ledger_items()[(first.profile, f"complaint#{first.dedupe_key}")] == {
        "profile": first.profile,
        "touch": f"complaint#{first.dedupe_key}",
    }
    assert [t.interaction_id for t in tables.ledger.touches_of(first.profile)] == ["c1"]


def test_engage_reads_the_answerable_acts_of_the_window_and_the_answered_marks(
    tables: Tables,
) -> None:
    def act(n: int, hours_ago: float, kind: Kind = Kind.COMMENT) -> Touch:
        base = touch(kind, iid=f"e{n}", actor=f"a{n}", at=NOW - timedelta(hours=hours_ago))
        return replace(base, own_post=f"x#96{n}")

    recent, old, share = act(1, 3), act(2, 60), act(3, 1, Kind.SHARE)
    taken_back = act(4, 2)
    tables.ledger.record([recent, old, share, taken_back])
    tables.ledger.record([Withdrawal(taken_back.profile, taken_back.dedupe_key, NOW)])

    since = NOW - timedelta(hours=48)
    assert tables.engage.acts(since, NOW) == [recent]
    assert tables.engage.acts(NOW - timedelta(hours=2), NOW) == []

    late = NOW - timedelta(days=40)  # an answer reported late: its mark lasts from now
    tables.marks.mark_answered({"x#961": NOW - timedelta(hours=1), "x#999": late}, NOW)
    assert tables.engage.answered(["x#961", "x#962", "x#999"]) == {"x#961", "x#999"}
    mark = tables.ledger_items()[("answered#x#999", "-")]
    assert mark == {
        "profile": "answered#x#999",
        "touch": "-",
        "answered_at": late.isoformat(),
        "expires_at": int((NOW + timedelta(days=31)).timestamp()),
    }


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: replace(t, seller_id="s-" + "9" * 2100),  # a seller counter's key too long
        lambda t: replace(t, intent_hits=("pricing " + "x" * 1000,) * 420),  # an item > 400 KB
    ],
    ids=["key", "item-size"],
)
def test_a_write_over_dynamodb_s_limits_is_refused_whole(
    tables: Tables, spoil: Callable[[Touch], Touch]
) -> None:
    good = touch(Kind.LIKE, iid="g", seller=ANA, at=EPOCH)
    bad = spoil(touch(Kind.LIKE, iid="b", actor="actor2", seller=ANA, at=EPOCH))
    with pytest.raises(Refused) as refused:
        tables.ledger.record([good, bad])
    assert refused.value.reason.startswith("Validation")
    assert (tables.ledger_items(), tables.score_items()) == ({}, {})
    assert tables.ledger.record([good]) == 1
