"""The contacts' ranking on moto: the score stage's transactions and the link sync's, racing each
other, leave every contact's item the exact sum of its identities' organic items.

- A score write that guessed the contact a link move has just changed is refused (its condition
  on `contact`), learns the contact from the item the refusal returns (ALL_OLD) and moves the
  right contact's item, for one cancelled transaction.
- A link sync whose item a score write moved between its read and its write is refused
  (its condition on `units` and `touches`) and settles again from the item returned.
- A link written but not synced (the process died between the two) is synced when the link
  batch is retried: every link write syncs, changed or not.
The concurrent writer runs at the SDK's boundary (botocore's before-call event), between the
first writer's read and its TransactWriteItems (the link writes' own transactions, on the
identities table alone, are not counted: `links_only`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from socialscore.domain.interaction import Category, Kind
from socialscore.domain.messages import Seller
from socialscore.store import dynamo
from socialscore.store.contact_sync import ContactSync
from socialscore.store.identities import Identities
from socialscore.store.ledger import Ledger
from socialscore.store.scores import Scores
from tests.integration.moto_tables import moto_table
from tests.session_hooks import hooked
from tests.unit.test_contact_ranking import identify
from tests.unit.test_scoring import touch

__all__ = ["moto_table"]
TX = "before-call.dynamodb.TransactWriteItems"


def links_only(params: dict[str, Any], identities_table: str) -> bool:
    """The transaction writes links (store.link_writes), neither a sync nor a score write."""
    sent = json.loads(params["body"])["TransactItems"]  # before-call: the request as sent
    actions = [next(iter(action.values())) for action in sent]
    return all(action["TableName"] == identities_table for action in actions)


class Stack:
    def __init__(self, make: Callable[[str], str]) -> None:
        self.scores_table = make("ScoresTable")
        self.identities_table = make("IdentitiesTable")
        self.ledger = Ledger(make("LedgerTable"), self.scores_table, make("SyncStateTable"))
        self.sync = ContactSync(self.identities_table, self.scores_table)
        self.links = Identities(self.identities_table, synced=self.sync.sync)
        self.scores = Scores(self.scores_table)

    def item(self, pk: str) -> dict[str, Any]:
        found = dynamo.batch_get(self.scores_table, "pk", [pk], consistent=True)
        return {n: v for n, v in found.get(pk, {}).items() if n not in ("pk", "rank")}


def test_a_score_write_racing_a_link_move_ends_on_the_new_contact(moto_table: Any) -> None:
    s = Stack(moto_table)
    first, second = touch(Kind.LIKE, actor="a1"), touch(Kind.COMMENT, actor="a1", iid="i2")
    s.links.link([identify(first.profile, "c-1", 0)])
    s.ledger.record([first], {first.profile: "c-1"})
    calls = {"tx": 0, "cancelled": 0}

    def move_first(params: dict[str, Any], **_: Any) -> None:
        if links_only(params, s.identities_table):
            return
        calls["tx"] += 1
        if calls["tx"] == 1:  # the score stage's: the link moves (and syncs) before it lands
            s.links.link([identify(first.profile, "c-2", 1)])

    def count(parsed: dict[str, Any], **_: Any) -> None:
        calls["cancelled"] += parsed.get("Error", {}).get("Code") == "TransactionCanceledException"

    with hooked(TX, move_first), hooked("after-call.dynamodb.TransactWriteItems", count):
        s.ledger.record([second], {second.profile: "c-1"})  # resolve read c-1

    both = {"units": first.units + second.units, "touches": Decimal(2)}
    assert s.item("contact#c-2") == both
    assert s.item("contact#c-1") == {}  # its count reached 0: deleted
    assert s.item(f"profile#{first.profile}#organic")["contact"] == "c-2"
    assert calls["cancelled"] == 1  # the guess refused once, with the item: no read
    assert list(s.scores.ranked_contacts()) == [("c-2", both["units"])]


def test_a_link_sync_racing_a_score_write_moves_what_the_item_holds_then(moto_table: Any) -> None:
    s = Stack(moto_table)
    first, second = touch(Kind.LIKE, actor="a1"), touch(Kind.COMMENT, actor="a1", iid="i2")
    s.ledger.record([first])  # anonymous
    calls = {"tx": 0}

    def score_first(params: dict[str, Any], **_: Any) -> None:
        if links_only(params, s.identities_table):
            return
        calls["tx"] += 1
        if calls["tx"] == 1:  # the sync's: a touch lands between its read and its write
            s.ledger.record([second])

    with hooked(TX, score_first):
        s.links.link([identify(first.profile, "c-1", 0)])

    assert calls["tx"] == 3  # the sync's refused, the score stage's, the sync's again: it raced
    assert s.item("contact#c-1") == {"units": first.units + second.units, "touches": 2}
    assert s.item(f"profile#{first.profile}#organic")["contact"] == "c-1"


def test_a_link_whose_sync_died_is_synced_when_its_batch_is_retried(moto_table: Any) -> None:
    s = Stack(moto_table)
    like = touch(Kind.LIKE, actor="a1")
    s.ledger.record([like])
    died = {"once": False}

    def dies_once(identities: list[str]) -> None:
        if not died["once"]:
            died["once"] = True
            raise RuntimeError("the Lambda timed out after the link, before the sync")
        s.sync.sync(identities)

    links = Identities(s.identities_table, synced=dies_once)
    link = identify(like.profile, "c-1", 0)
    with pytest.raises(RuntimeError):
        links.link([link])
    assert links.contacts_of([like.profile]) == {like.profile: "c-1"}  # the link landed
    assert s.item("contact#c-1") == {}
    links.link([link])  # SQS delivers the batch again: the link is unchanged, the sync runs
    assert s.item("contact#c-1") == {"units": like.units, "touches": 1}


def test_unlinking_an_identity_with_no_touches_deletes_its_stub(moto_table: Any) -> None:
    s = Stack(moto_table)
    s.links.link([identify("x#a9", "c-1", 0)])
    assert s.item("profile#x#a9#organic") == {"contact": "c-1"}  # a stub: in no index
    assert s.scores.profile_units(["x#a9"]) == {}  # read as no item
    s.links.unlink(["x#a9"])
    assert s.item("profile#x#a9#organic") == {}


def test_a_batch_of_links_syncs_in_few_transactions_and_one_race_costs_one_retry(
    moto_table: Any,
) -> None:
    """60 identities, every third touched: 2 actions a stub, 3 a touched identity (its link's
    check, its item, its contact's): 140 actions, 2 transactions. A touch landing on one of them
    between the read and the first transaction refuses that one; it is synced again, exactly."""
    s = Stack(moto_table)
    touched = [touch(Kind.LIKE, actor=f"a{n:03d}", iid=f"l{n}") for n in range(0, 60, 3)]
    s.ledger.record([*touched])
    late = touch(Kind.COMMENT, actor="a000", iid="late")
    calls = {"tx": 0}

    def score_first(params: dict[str, Any], **_: Any) -> None:
        if links_only(params, s.identities_table):
            return
        calls["tx"] += 1
        if calls["tx"] == 1:
            s.ledger.record([late])  # calls["tx"] 2: the score stage's own

    links = [identify(f"x#a{n:03d}", f"c-{n}", n) for n in range(60)]
    with hooked(TX, score_first):
        s.links.link(links)

    # the first group refused, the score stage's, the second group, the first group again
    assert calls["tx"] == 4
    for n in range(60):
        item = s.item(f"contact#c-{n}")
        if n % 3:
            assert item == {}
            assert s.item(f"profile#x#a{n:03d}#organic") == {"contact": f"c-{n}"}
    assert s.item("contact#c-0") == {"units": touched[0].units + late.units, "touches": 2}
    assert s.item("contact#c-3") == {"units": touched[1].units, "touches": 1}


def test_an_erasure_s_forget_leaves_a_touch_that_landed_after_its_withdrawals_for_the_unlink(
    moto_table: Any,
) -> None:
    """Another score Lambda's touch lands between the erasure's withdrawals and its forget: the
    forget keeps that linked item's counts (dropping its hot-lead flag), and the unlink takes its
    share out of the contact's item; a stub and an unlinked item are deleted as before."""
    s = Stack(moto_table)
    a, b = touch(Kind.LIKE, actor="a1"), touch(Kind.COMMENT, actor="a2", iid="i2")
    late = touch(Kind.COMMENT, actor="a1", iid="i3")
    s.links.link([identify(a.profile, "c-1", 0), identify(b.profile, "c-1", 1)])
    s.ledger.record([a, b], {a.profile: "c-1", b.profile: "c-1"})
    s.ledger.erase(a.profile)
    s.ledger.record([late], {a.profile: "c-1"})
    s.scores.mark_hot([a.profile], Category.ORGANIC, "2026-12-07T00:00:00+00:00")
    s.scores.forget(a.profile)
    assert s.scores.hot() == []
    s.links.unlink([a.profile])
    assert s.item("contact#c-1") == {"units": b.units, "touches": 1}
    assert s.item(f"profile#{a.profile}#organic") == {"units": late.units, "touches": 1}
    s.ledger.erase(b.profile)
    s.scores.forget(b.profile)  # its stub
    assert s.item(f"profile#{b.profile}#organic") == {}


def test_a_linked_identity_whose_touches_are_withdrawn_keeps_only_its_key_and_contact(
    moto_table: Any,
) -> None:
    """The stub is in no index: its rank and its hot-lead flag go with its counters."""
    s = Stack(moto_table)
    like = touch(Kind.LIKE, actor="a1", seller=Seller(seller_id="s-1", team="emea"))
    s.links.link([identify(like.profile, "c-1", 0)])
    s.ledger.record([like], {like.profile: "c-1"})
    s.scores.mark_hot([like.profile], Category.ORGANIC, "2026-12-07T00:00:00+00:00")
    s.ledger.erase(like.profile)
    pk = f"profile#{like.profile}#organic"
    assert dynamo.batch_get(s.scores_table, "pk", [pk], consistent=True)[pk] == {
        "pk": pk,
        "contact": "c-1",
    }
    assert s.item("contact#c-1") == {}
