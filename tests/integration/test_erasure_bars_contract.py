"""The erasures' bars, in memory (socialscore_local.memory.identities) and on the identities
table (moto, with its by_contact index): an erased contact or identity is remembered with its
latest erasure's time, keyed by its hash (the id is in no item), and a bar is neither a linked
contact nor in the by_contact index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialscore.pipeline.ports import IdentityLinks
from socialscore.store import dynamo
from socialscore.store.identities import Identities
from socialscore_local.memory.identities import MemoryIdentityLinks
from tests.integration.moto_tables import moto_table
from tests.integration.support import identify

__all__ = ["moto_table"]  # the fixture `links` asks for
T0 = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def links(request: pytest.FixtureRequest) -> IdentityLinks:
    if request.param == "memory":
        return MemoryIdentityLinks()
    make = request.getfixturevalue("moto_table")
    return Identities(make("IdentitiesTable"))


def test_an_erasure_is_remembered_with_its_latest_time_and_names_nobody(
    links: IdentityLinks,
) -> None:
    links.link([identify(1, user="u1", contact="C-1")])
    links.bar(["C-2", "x#u9"], T0)
    links.bar(["C-2"], T0 + timedelta(days=1))
    links.bar(["C-2"], T0)  # an older erasure sent again: the later time stays

    assert links.barred(["C-1", "C-2", "x#u1", "x#u9"]) == {
        "C-2": T0 + timedelta(days=1),
        "x#u9": T0,
    }
    assert links.all_contacts() == {"C-1": ["x#u1"]}
    page, cursor = links.contacts_page("", 10)
    assert (page, cursor) == ({"C-1": ["x#u1"]}, "")
    if isinstance(links, Identities):  # no item holds an erased id, only its hash
        every = str(dynamo.scan("IdentitiesTable"))
        assert "C-2" not in every
        assert "u9" not in every
