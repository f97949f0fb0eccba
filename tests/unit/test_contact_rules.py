"""The contacts' ranking's write rules, in memory: the plans the score stage and the link sync
send (domain.aggregates: with_contacts, settle, linked_write, moved) applied to the memory scores
store, which checks each write's condition as DynamoDB does and refuses with the item as it is
(ALL_OLD). The races themselves, on the real transactions, stay in
tests/integration/test_contact_ranking_contract.py; here the rule each race relies on: a write
planned from a stale guess is refused, and planned again from the item returned it lands where
the item now says."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.aggregates import (
    CONTACT,
    AggregateKey,
    ContactTotal,
    ItemWrite,
    ProfileTotal,
    coalesce,
    linked_write,
    moved,
    settle,
    with_contacts,
)
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.messages import Seller
from socialscore.domain.touch import Touch, Withdrawal
from socialscore_local.memory.scores import ConditionFailed, MemoryScoreStore
from tests.unit.test_contact_ranking import (
    CONTACTS,
    IDENTITIES,
    Op,
    apply,
    clean_pass,
    final_links,
    histories,
    identify,
    world,
)
from tests.unit.test_scoring import touch


def ranking_writes(
    t: Touch, guess: str | None, held: dict[str, Any] | None = None
) -> list[tuple[AggregateKey, ItemWrite]]:
    """The score stage's writes of one organic touch to its identity's item and its contact's,
    the contact as guessed (resolve's read of the links), the profile item as `held` (None: not
    read, as the first attempt writes)."""
    agg = with_contacts(coalesce([t], []), {t.profile: guess}.get)
    writes: list[tuple[AggregateKey, ItemWrite]] = []
    for key, delta in agg.counters.items():
        if isinstance(key, ProfileTotal):
            w = settle(key, delta, held)
            assert w is not None
            writes.append((key, linked_write(w, held, guess)))
        elif isinstance(key, ContactTotal):
            w = settle(key, delta)
            assert w is not None
            writes.append((key, w))
    return writes


def transact(scores: MemoryScoreStore, writes: list[tuple[AggregateKey, ItemWrite]]) -> None:
    """The writes all or none, as one transaction: every condition checked before any write."""
    for key, w in writes:
        held = scores.held(key)
        if any(held.get(n) != v for n, v in w.expect.items()):
            raise ConditionFailed(held)
    for key, w in writes:
        scores.write(key, w)


def test_a_score_write_guessing_the_contact_a_move_just_changed_lands_on_the_new_one() -> None:
    """Resolve read c-1; the link moves to c-2 (and syncs) before the score write lands: the
    write expects c-1 on the identity's item, is refused with the item naming c-2, and planned
    again from it puts both touches in c-2's item. Without the expectation on `contact`
    (linked_write) the second touch would land in c-1's item, which no identity sums to."""
    w = world()
    first, second = touch(Kind.LIKE, actor="1001"), touch(Kind.COMMENT, actor="1001", iid="i2")
    w.links.link([identify(first.profile, "c-1", 0)])
    w.ledger.record([first])
    stale = ranking_writes(second, "c-1")
    w.links.link([identify(first.profile, "c-2", 1)])

    with pytest.raises(ConditionFailed) as refused:
        transact(w.scores, stale)
    item = refused.value.item
    assert item[CONTACT] == "c-2"
    transact(w.scores, ranking_writes(second, str(item[CONTACT]), item))

    both = {"units": first.units + second.units, "touches": Decimal(2)}
    assert w.scores.items[ContactTotal("c-2")] == both
    assert ContactTotal("c-1") not in w.scores.items
    assert list(w.scores.ranked_contacts()) == [("c-2", both["units"])]


def test_a_contact_left_by_its_last_identity_is_deleted_and_one_keeping_others_needs_no_read() -> (
    None
):
    """The link sync's move out of a contact, planned without reading the contact's item: an
    ADD kept above 0. Where another identity still counts there, it lands as it is; where the
    identity was the last, it is refused with the item, and planned again from it deletes the
    item (a contact at 0 units would otherwise stay in the ranking, listed by `top`)."""
    w = world()
    a, b = touch(Kind.LIKE, actor="1001"), touch(Kind.COMMENT, actor="1002", iid="i2")
    w.links.link([identify(a.profile, "c-1", 0), identify(b.profile, "c-2", 1)])
    w.ledger.record([a, b])
    w.links.link([identify(a.profile, "c-2", 2)])  # c-2 now counts a and b
    held_b = w.scores.held(ProfileTotal(b.profile, Category.ORGANIC))

    keeping = dict(moved(held_b, "c-1", {}))  # b leaves c-2, where a still counts
    assert keeping[ContactTotal("c-2")].above == {"touches": Decimal(1)}
    w.scores.write(ContactTotal("c-2"), keeping[ContactTotal("c-2")])
    assert w.scores.items[ContactTotal("c-2")] == {"units": a.units, "touches": Decimal(1)}

    held_a = w.scores.held(ProfileTotal(a.profile, Category.ORGANIC))
    last = dict(moved(held_a, "c-1", {}))[ContactTotal("c-2")]  # a, c-2's last, leaves it
    with pytest.raises(ConditionFailed) as refused:
        w.scores.write(ContactTotal("c-2"), last)
    again = dict(moved(held_a, "c-1", {ContactTotal("c-2"): refused.value.item}))
    assert again[ContactTotal("c-2")].delete
    w.scores.write(ContactTotal("c-2"), again[ContactTotal("c-2")])
    assert ContactTotal("c-2") not in w.scores.items


def test_one_batch_moves_a_contact_s_item_once_by_its_identities_organic_touches_alone() -> None:
    """Two identities of one contact touched in one batch: one delta on the contact's item (a
    transaction names an item once), their organic units and touches summed; a paid touch and
    an unlinked identity's touch move no contact."""
    a, b = touch(Kind.LIKE, actor="1001"), touch(Kind.COMMENT, actor="1002", iid="i2")
    paid = touch(Kind.LIKE, actor="1001", iid="i3", category=Category.PAID)
    stranger = touch(Kind.SHARE, actor="1003", iid="i4")
    links = {a.profile: "c-1", b.profile: "c-1"}

    agg = with_contacts(coalesce([a, b, paid, stranger], []), links.get)

    contacts = {k: v for k, v in agg.counters.items() if isinstance(k, ContactTotal)}
    assert contacts == {
        ContactTotal("c-1"): {"units": a.units + b.units, "touches": Decimal(2)},
    }


def test_a_linked_identity_erased_keeps_only_its_contact_not_its_sellers_tally_or_flag() -> None:
    """Its touches on a seller's post gave its item that seller's tally (routing's count) and it
    was flagged hot: the erasure's withdrawals leave the stub alone ({contact}), with no tally
    to route by and no hot lead to show, and its contact's item is gone."""
    w = world()
    like = touch(Kind.LIKE, actor="1001", seller=Seller(seller_id="s-1", team="emea"))
    w.links.link([identify(like.profile, "c-1", 0)])
    w.ledger.record([like])
    key = ProfileTotal(like.profile, Category.ORGANIC)
    assert "seller#s-1" in w.scores.items[key]
    w.scores.mark_hot([like.profile], Category.ORGANIC, "2026-12-07T00:00:00+00:00")

    w.ledger.erase(like.profile)

    assert w.scores.items[key] == {CONTACT: "c-1"}
    assert w.scores.hot() == []
    assert ContactTotal("c-1") not in w.scores.items


def test_unlinking_an_identity_never_touched_deletes_its_stub() -> None:
    w = world()
    w.links.link([identify("x#1009", "c-1", 0)])
    key = ProfileTotal("x#1009", Category.ORGANIC)
    assert w.scores.items[key] == {CONTACT: "c-1"}  # a stub: read as no item
    assert w.scores.profile_units(["x#1009"]) == {}
    w.links.unlink(["x#1009"])
    assert key not in w.scores.items
    assert w.scores.items == {}


@settings(max_examples=30, deadline=None)  # each example replays a whole history: 30 suffice
@given(histories(), st.sampled_from(IDENTITIES), st.sampled_from(CONTACTS))
def test_a_link_whose_sync_died_is_made_whole_when_its_batch_is_delivered_again(
    history: tuple[list[Touch | Withdrawal], list[Op]], identity: str, contact: str
) -> None:
    """The Lambda dies between a link's write and its sync; SQS delivers the batch again: the
    link is unchanged by then, and is synced all the same, leaving the items a clean pass
    leaves (every link write syncs, changed or not)."""
    events, ops = history
    w = world()
    apply(w, ops)
    event = identify(identity, contact, len(ops))  # after everything else
    sync, w.links.synced = w.links.synced, None  # died before the sync
    w.links.link([event])
    w.links.synced = sync
    w.links.link([event])
    assert w.scores.items == clean_pass(events, final_links(ops) | {identity: contact}).scores.items


def test_a_touch_withdrawn_from_a_moved_identity_leaves_the_contact_it_moved_to() -> None:
    """A retraction (an unlike) after a move takes the units out of the new contact's item, the
    one the identity's item names, never the old one's."""
    w = world()
    a, b = touch(Kind.LIKE, actor="1001"), touch(Kind.COMMENT, actor="1001", iid="i2")
    w.links.link([identify(a.profile, "c-1", 0)])
    w.ledger.record([a, b])
    w.links.link([identify(a.profile, "c-2", 1)])
    w.ledger.record([Withdrawal(a.profile, a.dedupe_key, a.occurred_at + timedelta(1))])
    assert list(w.scores.ranked_contacts()) == [("c-2", b.units)]
    assert w.scores.items[ContactTotal("c-2")]["touches"] == 1
