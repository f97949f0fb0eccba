"""Whom a hot lead or a complaint goes to, as the links keep the CRM owner: the router on the
memory identity links (the item each link event makes is store.identities.link_item's, the
contact's owner found as store.identities.owners_of finds it) and the memory scores' tally. The
path from the identify webhook to EventBridge stays in tests/integration/test_routing.py."""

from __future__ import annotations

from dataclasses import dataclass

from socialscore.domain.interaction import Category, Identify, Kind
from socialscore.domain.messages import Seller
from socialscore.domain.owners import Owner
from socialscore.pipeline.routing import Router
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.ledger import MemoryTouchLedger
from tests.unit.test_contact_ranking import identify
from tests.unit.test_scoring import touch

QUEUE = "social-team"
ANA = Seller(seller_id="s-ana", team="enterprise")


@dataclass
class Routed:
    links: MemoryIdentityLinks
    ledger: MemoryTouchLedger
    router: Router

    def owner(self, identity: str) -> Owner:
        return self.router.owners([identity])[identity]


def routed() -> Routed:
    links, ledger = MemoryIdentityLinks(), MemoryTouchLedger()
    return Routed(links, ledger, Router(links, ledger.scores, ledger, QUEUE))


def link(identity: str, contact: str, n: int, owner: str | None = None) -> Identify:
    """The n-th link event (later n: later occurred_at), naming `owner` as the CRM owner."""
    return identify(identity, contact, n).model_copy(update={"owner_id": owner})


def test_a_link_again_naming_no_owner_keeps_it_and_the_contact_s_other_identity_gets_it() -> None:
    r = routed()
    r.links.link([link("x#1001", "c-1", 0, owner="005OWNER1")])
    r.links.link([link("x#1001", "c-1", 1), link("x#1009", "c-1", 2)])  # a source naming none
    assert r.links.items["x#1001"]["owner_id"] == "005OWNER1"
    assert "owner_id" not in r.links.items["x#1009"]
    assert r.router.owners(["x#1001", "x#1009"]) == {
        "x#1001": Owner("crm_owner", "005OWNER1"),
        "x#1009": Owner("crm_owner", "005OWNER1"),  # its contact's
    }


def test_an_identity_moved_to_another_contact_leaves_its_old_contact_s_owner_behind() -> None:
    """Linked to c-2, which no link names an owner for: its hot leads go by the tally (the seller
    whose posts it touched), not to the owner of the contact it is no longer."""
    r = routed()
    r.links.link([link("x#1001", "c-1", 0, owner="005OWNER1")])
    r.ledger.record([touch(Kind.COMMENT, actor="1001", seller=ANA)])
    r.links.link([link("x#1001", "c-2", 1)])
    assert r.owner("x#1001") == Owner("seller", "s-ana")
    r.links.link([link("x#1002", "c-2", 2, owner="005OWNER2")])  # c-2's owner, named later
    assert r.owner("x#1001") == Owner("crm_owner", "005OWNER2")


def test_the_identity_s_own_owner_wins_else_the_latest_its_contact_s_links_named() -> None:
    """Links arriving out of order: the owner named by the latest link (by when it occurred)
    is the contact's, whatever order the events were delivered in."""
    r = routed()
    r.links.link([link("x#1002", "c-1", 5, owner="005LATER")])
    r.links.link([link("x#1001", "c-1", 1, owner="005EARLIER")])  # delivered late
    r.links.link([link("x#1003", "c-1", 3)])
    assert r.router.owners(["x#1001", "x#1002", "x#1003"]) == {
        "x#1001": Owner("crm_owner", "005EARLIER"),  # its own link's
        "x#1002": Owner("crm_owner", "005LATER"),
        "x#1003": Owner("crm_owner", "005LATER"),
    }


def test_an_older_link_event_replayed_changes_neither_the_contact_nor_the_owner() -> None:
    r = routed()
    older = link("x#1001", "c-1", 0, owner="005OLD")
    r.links.link([older])
    r.links.link([link("x#1001", "c-2", 1, owner="005NEW")])
    r.links.link([older])  # a late retry of the first delivery
    assert r.links.contacts_of(["x#1001"]) == {"x#1001": "c-2"}
    assert r.owner("x#1001") == Owner("crm_owner", "005NEW")


def test_an_unlinked_identity_goes_by_its_tally_then_the_queue_not_its_former_owner() -> None:
    r = routed()
    r.links.link([link("x#1001", "c-1", 0, owner="005OWNER1"), link("x#1002", "c-1", 1)])
    r.ledger.record([touch(Kind.COMMENT, actor="1001", seller=ANA)])
    r.links.unlink(["x#1001", "x#1002"])
    assert r.router.owners(["x#1001", "x#1002"]) == {
        "x#1001": Owner("seller", "s-ana"),
        "x#1002": Owner("queue", QUEUE),  # never touched a seller's post
    }
    assert r.ledger.scores.profile_units(["x#1001"])[("x#1001", Category.ORGANIC)].sellers == {
        "s-ana": 1
    }
