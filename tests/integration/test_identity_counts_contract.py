"""The bound on any contact's identities (store.identity_counts), in memory
(socialscore_local.memory.identities) and on the DynamoDB table (moto): unknown until a rebuild
counts every link, then raised by each link that gives a contact more identities, in any order
and however often a batch is retried, never lowered by an unlink or a move; its items never
show among the links."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import boto3
import pytest

from socialscore.aws import clients
from socialscore.store.identities import Identities
from socialscore.store.identity_counts import MOST
from socialscore_local.memory.identities import MemoryIdentityLinks
from tests.integration.moto_tables import moto_table
from tests.integration.support import link

__all__ = ["moto_table"]  # the fixture `links` asks for
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
Store = Identities | MemoryIdentityLinks


@pytest.fixture(params=["memory", "dynamodb"])
def links(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryIdentityLinks()
    make = request.getfixturevalue("moto_table")
    return Identities(make("IdentitiesTable"))


identify = partial(link, since=T0)


def test_the_bound_is_unknown_until_a_rebuild_counts_every_link(links: Store) -> None:
    links.link([identify("1", "003A"), identify("2", "003A"), identify("3", "003B")])
    links.link([identify("4", "003A")])
    assert links.most_identities() is None  # links from before the bound existed: not trusted
    assert links.rebuild_most() == 3
    assert links.most_identities() == 3
    assert links.rebuild_most() == 3  # again: the same


def test_each_link_raises_the_bound_and_nothing_lowers_it(links: Store) -> None:
    links.link([identify("1", "003A")])
    links.rebuild_most()
    assert links.most_identities() == 1
    links.link([identify("2", "003A", 1), identify("3", "003B", 1)])
    assert links.most_identities() == 2
    links.link([identify("2", "003A", 1)])  # a retry of the same batch
    links.link([identify("1", "003A", -5)])  # an older replay, not recorded
    assert links.most_identities() == 2
    links.link([identify("4", "003B", 2), identify("5", "003B", 2)])
    assert links.most_identities() == 3
    links.unlink(["x#3", "x#4"])
    links.link([identify("5", "003A", 3)])  # moved: 003A's third, 003B left with none
    assert links.most_identities() == 3  # a bound: an unlink or a move never lowers it
    assert links.rebuild_most() == 3
    assert links.most_identities() == 3


def test_two_batches_of_one_contact_in_either_order_leave_the_union(links: Store) -> None:
    links.rebuild_most()
    links.link([identify("2", "003A", 1), identify("3", "003A", 1)])
    links.link([identify("1", "003A", 0), identify("2", "003A", 1)])
    assert links.most_identities() == 3
    assert sorted(links.identities_of("003A")) == ["x#1", "x#2", "x#3"]


def test_the_bound_s_items_are_never_shown_as_links(links: Store) -> None:
    links.link([identify("1", "003A"), identify("2", "003A")])
    links.rebuild_most()
    assert {c: sorted(ids) for c, ids in links.all_contacts().items()} == {"003A": ["x#1", "x#2"]}
    page, cursor = links.contacts_page("", 10)
    assert set(page) == {"003A"}
    assert cursor == ""


@pytest.fixture(params=["memory", "dynamodb"])
def capped(request: pytest.FixtureRequest) -> Store:
    """Sets of at most 3 hashes (the store's are 10,000: 320 KB of DynamoDB's 400 KB an item)."""
    if request.param == "memory":
        return MemoryIdentityLinks(set_cap=3)
    make = request.getfixturevalue("moto_table")
    return Identities(make("IdentitiesTable"), set_cap=3)


def test_a_full_set_takes_no_more_and_leaves_no_bound_the_links_all_written(capped: Store) -> None:
    capped.link([identify("1", "003A"), identify("2", "003A")])
    assert capped.rebuild_most() == 2
    assert capped.rebuild_most() == 2  # a retry adds nothing: still a bound
    capped.link([identify("3", "003A", 1), identify("5", "003B", 1)])  # 003A's set full
    capped.link([identify("4", "003A", 2)])  # not added to the full set
    assert sorted(capped.identities_of("003A")) == ["x#1", "x#2", "x#3", "x#4"]
    assert capped.identities_of("003B") == ["x#5"]
    assert capped.most_identities() is None  # 003A may have any number: readers read whole
    assert capped.rebuild_most() is None
    assert capped.most_identities() is None  # a rebuild cannot make it a bound again
    assert capped.identity_bounds(["003B"]) == {"003B": 1}


def test_a_link_is_written_only_once_the_bound_counts_it(
    moto_table: Callable[[str], str],
) -> None:
    # top reads the bound and the links at any moment: one that sees a link must not see a
    # bound below its contact's identities (it would stop before meeting the contact's others)
    table = moto_table("IdentitiesTable")
    links = Identities(table)
    links.link([identify("1", "003A")])
    links.rebuild_most()
    seen: list[int] = []

    def at_write(params: dict[str, Any], **_: object) -> None:
        # a transaction's actions land together: the bound a reader may see with its links is
        # the stored one or the one the same transaction raises it to
        actions = json.loads(params["body"])["TransactItems"]  # the request as sent
        if not any("Put" in action for action in actions):
            return
        stat = boto3.client("dynamodb").get_item(TableName=table, Key={"identity": {"S": MOST}})
        raised = [
            int(a["Update"]["ExpressionAttributeValues"][":n"]["N"])
            for a in actions
            if a.get("Update", {}).get("Key") == {"identity": {"S": MOST}}
        ]
        seen.append(max([int(stat["Item"]["n"]["N"]), *raised]))

    clients.client("dynamodb").meta.events.register(
        "before-call.dynamodb.TransactWriteItems", at_write
    )
    links.link([identify("2", "003A", 1), identify("3", "003A", 1)])
    assert seen == [3]  # the links' write: 003A's three identities bounded with them
