"""The identity links' contract, in memory (socialscore_local.memory.identities) and on the
DynamoDB table (moto, with its by_contact index): the newest link event wins whatever the order,
a contact keeps its CRM owner across links that name none, and the contacts come a page at a
time, each whole and once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from socialscore.pipeline.ports import IdentityLinks
from socialscore.store import dynamo
from socialscore.store.identities import Identities, link_item
from socialscore_local.memory.identities import MemoryIdentityLinks
from tests.integration.moto_tables import moto_table
from tests.integration.support import link
from tests.session_hooks import dynamodb_calls

__all__ = ["moto_table"]  # the fixture `links` asks for
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def links(request: pytest.FixtureRequest) -> IdentityLinks:
    if request.param == "memory":
        return MemoryIdentityLinks()
    make = request.getfixturevalue("moto_table")
    return Identities(make("IdentitiesTable"))


identify = partial(link, since=T0)


def test_the_newest_link_wins_whatever_the_order_it_arrives_in(links: IdentityLinks) -> None:
    links.link([identify("1", "003B", 5), identify("2", "003A", 0)])
    links.link([identify("1", "003A", 1)])  # older than the 003B link: a replay
    assert links.contacts_of(["x#1", "x#2", "x#3"]) == {"x#1": "003B", "x#2": "003A"}
    assert links.linked_at(["x#1"]) == {"x#1": T0 + timedelta(minutes=5)}
    assert links.identities_of("003A") == ["x#2"]
    links.unlink(["x#1"])
    assert links.contacts_of(["x#1"]) == {}
    assert links.identities_of("003B") == []


def test_a_contact_keeps_the_crm_owner_its_links_named(links: IdentityLinks) -> None:
    links.link([identify("1", "003A", 0, owner="005X"), identify("2", "003A", 1)])
    links.link([identify("1", "003A", 2)])  # names no owner: the earlier one stays
    links.link([identify("3", "003B", 0)])
    assert links.owners_of(["x#1", "x#2", "x#3"]) == {"x#1": "005X", "x#2": "005X"}
    links.link([identify("1", "003C", 3)])  # moved to another contact: its owner is not 003C's
    links.set_owner(["x#1", "x#3"], "003B", "005Y")  # x#1 is 003C's now: left alone
    assert links.owners_of(["x#1", "x#2", "x#3"]) == {"x#3": "005Y"}


def test_contacts_come_a_page_at_a_time_each_whole_and_once(links: IdentityLinks) -> None:
    links.link([identify(str(n), f"003{n % 5}", n) for n in range(12)])
    seen: dict[str, list[str]] = {}
    cursor, pages = "", 0
    while True:
        page, cursor = links.contacts_page(cursor, 3)
        pages += 1
        assert not set(page) & set(seen)
        seen |= page
        if not cursor:
            break
    assert pages > 1
    assert {c: sorted(ids) for c, ids in seen.items()} == {
        c: sorted(ids) for c, ids in links.all_contacts().items()
    }
    assert len(seen) == 5
    assert sum(map(len, seen.values())) == 12


def test_a_contact_s_identities_are_all_found_past_a_query_s_1_mb(
    moto_table: Callable[[str], str],
) -> None:
    # a Query answers at most 1 MB: 3,000 index entries of the longest contact id and user id
    # an event may hold are more than one answer
    table = moto_table("IdentitiesTable")
    contact = "003" + "A" * 125
    linked = [identify(f"{n:064d}", contact, 0) for n in range(3_000)]
    items = [dynamo.to_item(link_item(e, None) or {}) for e in linked]  # as link() writes them
    dynamo.batch_write(table, [{"PutRequest": {"Item": item}} for item in items])
    found = Identities(table).identities_of(contact)
    assert sorted(found) == sorted(e.identity for e in linked)


def test_a_hot_lead_s_owner_is_looked_up_only_for_contacts_with_other_identities(
    moto_table: Callable[[str], str],
) -> None:
    """Routing a batch's hot leads: a contact whose set holds only the identity (most contacts)
    has no other link to name an owner, so it costs no Query: one read of the links, one of the
    contacts' sets, a Query of each contact with more identities, one read of those."""
    links = Identities(moto_table("IdentitiesTable"))
    links.link([identify(str(n), f"003{n:02d}", n) for n in range(10)])
    links.link([identify("90", "003A", 0, owner="005X"), identify("91", "003A", 1)])
    with dynamodb_calls() as calls:
        owners = links.owners_of([f"x#{n}" for n in (*range(10), 91)])
    assert owners == {"x#91": "005X"}
    assert sorted(calls) == ["BatchGetItem", "BatchGetItem", "BatchGetItem", "Query"]
