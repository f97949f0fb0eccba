"""The contacts' ranking, in memory: whatever the order of touches, retractions, links, moves
and unlinks, every contact's item holds the sum of its linked identities' organic items, a linked
identity with no organic counters keeps a stub naming its contact (and only it), and the items
are those one clean pass leaves (the links first, then every touch). The memory ledger writes as
the score stage does (the contact's item moved with the identity's), the memory identity links
sync as store.identities does after each link write (memory.contact_totals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.aggregates import (
    CONTACT,
    AggregateKey,
    ContactTotal,
    ProfileTotal,
    is_stub,
)
from socialscore.domain.decay import EPOCH
from socialscore.domain.interaction import Category, Identify, Kind, Network
from socialscore.domain.touch import Touch, Withdrawal
from socialscore_local.memory.contact_totals import MemoryContactSync
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.scores import MemoryScoreStore
from tests.unit.test_scoring import deliveries, touch

CONTACTS = ["c-1", "c-2", "c-3"]
IDENTITIES = ["x#1001", "x#1002", "linkedin#1001", "linkedin#1002"]  # test_scoring's actors


@dataclass
class World:
    scores: MemoryScoreStore
    ledger: MemoryTouchLedger
    links: MemoryIdentityLinks
    sync: MemoryContactSync


def world() -> World:
    scores = MemoryScoreStore()
    links = MemoryIdentityLinks()
    sync = MemoryContactSync(scores, links.contacts_of)
    links.synced = sync.sync
    return World(scores, MemoryTouchLedger(scores), links, sync)


def identify(identity: str, contact: str, n: int) -> Identify:
    network, user = identity.split("#")
    return Identify(
        event_id=f"e{n}",
        source="crm",
        network=Network(network),
        network_user_id=user,
        contact_id=contact,
        consent_basis="opt_in",
        occurred_at=EPOCH + timedelta(minutes=n),  # later ops are later links
    )


Op = tuple[str, Any]  # ("batch", events) | ("link", (identity, contact)) | ("unlink", identity)


def apply(w: World, ops: list[Op]) -> None:
    for n, (kind, what) in enumerate(ops):
        if kind == "batch":
            w.ledger.record(what)
        elif kind == "link":
            w.links.link([identify(what[0], what[1], n)])
        else:
            w.links.unlink([what])


def clean_pass(events: list[Touch | Withdrawal], links: dict[str, str]) -> World:
    w = world()
    w.links.link([identify(i, c, n) for n, (i, c) in enumerate(sorted(links.items()))])
    w.ledger.record(events)
    return w


def final_links(ops: list[Op]) -> dict[str, str]:
    links: dict[str, str] = {}
    for kind, what in ops:
        if kind == "link":
            links[what[0]] = what[1]
        elif kind == "unlink":
            links.pop(what, None)
    return links


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Touch | Withdrawal], list[Op]]:
    """test_scoring's deliveries (any order, duplication, batching of touches and retractions)
    with links, moves and unlinks of their identities between any two batches."""
    events, batches = draw(deliveries())
    moves: list[Op] = draw(
        st.lists(
            st.one_of(
                st.tuples(
                    st.just("link"),
                    st.tuples(st.sampled_from(IDENTITIES), st.sampled_from(CONTACTS)),
                ),
                st.tuples(st.just("unlink"), st.sampled_from(IDENTITIES)),
            ),
            max_size=10,
        )
    )
    ops: list[Op] = [("batch", b) for b in batches]
    for move in moves:
        ops.insert(draw(st.integers(0, len(ops))), move)
    return events, ops


def summed(items: dict[AggregateKey, dict[str, Any]], links: dict[str, str]) -> dict[str, Any]:
    """contact -> (units, touches) summed over its linked identities' organic items."""
    sums: dict[str, dict[str, Decimal]] = {}
    for identity, contact in links.items():
        item = items.get(ProfileTotal(identity, Category.ORGANIC), {})
        if "touches" in item:
            held = sums.setdefault(contact, {"units": Decimal(0), "touches": Decimal(0)})
            held["units"] += item["units"]
            held["touches"] += item["touches"]
    return sums


@settings(max_examples=150, deadline=None)
@given(histories())
def test_a_contact_s_item_is_the_sum_of_its_identities_items_whatever_the_arrival_order(
    history: tuple[list[Touch | Withdrawal], list[Op]],
) -> None:
    events, ops = history
    w = world()
    apply(w, ops)
    links = final_links(ops)
    items = w.scores.items
    contacts = {k.contact_id: v for k, v in items.items() if isinstance(k, ContactTotal)}
    sums = summed(items, links)
    assert {c: {n: v[n] for n in ("units", "touches")} for c, v in contacts.items()} == sums
    for key, item in items.items():
        if isinstance(key, ProfileTotal) and key.category is Category.ORGANIC:
            assert item.get(CONTACT) == links.get(key.profile)  # unlinked: none
    for identity in links:  # a linked identity has its item, or its stub
        item = items[ProfileTotal(identity, Category.ORGANIC)]
        assert "touches" in item or item == {CONTACT: links[identity]}
    assert items == clean_pass(events, links).scores.items


def test_a_linked_identity_whose_touches_are_all_retracted_keeps_a_stub_read_as_no_item() -> None:
    w = world()
    like = touch(Kind.LIKE, actor="1001")
    w.links.link([identify(like.profile, "c-1", 0)])
    w.ledger.record([like])
    assert w.scores.items[ContactTotal("c-1")] == {"units": like.units, "touches": 1}
    w.ledger.record([Withdrawal(like.profile, like.dedupe_key, like.occurred_at + timedelta(1))])
    stub = w.scores.items[ProfileTotal(like.profile, Category.ORGANIC)]
    assert stub == {CONTACT: "c-1"}
    assert is_stub(stub)
    assert ContactTotal("c-1") not in w.scores.items  # its count reached 0: deleted
    assert w.scores.profile_units([like.profile]) == {}  # readers see no item
    assert list(w.scores.ranked_contacts()) == []


def test_a_moved_identity_takes_its_units_from_one_contact_to_the_other() -> None:
    w = world()
    a, b = touch(Kind.LIKE, actor="1001"), touch(Kind.COMMENT, actor="1002", iid="i2")
    w.links.link([identify(a.profile, "c-1", 0), identify(b.profile, "c-1", 1)])
    w.ledger.record([a, b])
    assert list(w.scores.ranked_contacts()) == [("c-1", a.units + b.units)]
    w.links.link([identify(b.profile, "c-2", 2)])
    assert sorted(w.scores.ranked_contacts()) == [("c-1", a.units), ("c-2", b.units)]
    w.links.unlink([a.profile])
    assert list(w.scores.ranked_contacts()) == [("c-2", b.units)]
    assert CONTACT not in w.scores.items[ProfileTotal(a.profile, Category.ORGANIC)]


def test_an_erased_identity_s_units_leave_its_contact_s_item() -> None:
    """The erasure's path: its entries withdrawn, its scores forgotten, its link taken off."""
    w = world()
    a, b = touch(Kind.LIKE, actor="1001"), touch(Kind.COMMENT, actor="1002", iid="i2")
    w.links.link([identify(a.profile, "c-1", 0), identify(b.profile, "c-1", 1)])
    w.ledger.record([a, b])
    w.ledger.erase(a.profile)
    w.scores.forget(a.profile)
    w.links.unlink([a.profile])
    assert list(w.scores.ranked_contacts()) == [("c-1", b.units)]
    assert ProfileTotal(a.profile, Category.ORGANIC) not in w.scores.items


def test_a_touch_after_an_erasure_s_withdrawals_and_before_its_forget_leaves_no_share() -> None:
    """Another score Lambda's touch of the person lands after the erasure withdrew their touches
    and before it forgets their scores: the touch stays counted on their item (the ledger keeps
    its entry) and leaves their contact's item with the unlink, rather than being deleted from
    the one and kept in the other."""
    w = world()
    a, b = touch(Kind.LIKE, actor="1001"), touch(Kind.COMMENT, actor="1002", iid="i2")
    late = touch(Kind.COMMENT, actor="1001", iid="i3")
    w.links.link([identify(a.profile, "c-1", 0), identify(b.profile, "c-1", 1)])
    w.ledger.record([a, b])
    w.ledger.erase(a.profile)
    w.ledger.record([late], {a.profile: "c-1"})
    w.scores.forget(a.profile)
    w.links.unlink([a.profile])
    assert list(w.scores.ranked_contacts()) == [("c-1", b.units)]
    assert w.scores.profile_units([a.profile])[(a.profile, Category.ORGANIC)].units == late.units


def test_every_link_write_syncs_its_identities_changed_or_not() -> None:
    """A link written again (a retry after a crash between the link and its sync) syncs again."""
    w = world()
    link = identify("x#1001", "c-1", 0)
    w.links.link([link])
    w.links.link([link])
    assert w.sync.synced == ["x#1001", "x#1001"]
