"""profile with several ids, and contacts a page at a time, on the demo data through --stack."""

from __future__ import annotations

from socialscore.store.identities import Identities
from tests.ops.conftest import DeployedStack


def test_many_profiles_in_one_call_and_an_unknown_one_named_apart(
    demo_stack: DeployedStack,
) -> None:
    contacts = sorted(Identities(demo_stack.rt.table("IdentitiesTable")).all_contacts())[:3]
    at = ("--as-of", "2026-11-21")
    answer = demo_stack.socialscore("profile", *contacts, "003ZZZ", *at, "--json")
    assert answer.code == 2  # one was not found: a script must notice
    assert [p["contact_id"] for p in answer.json()] == contacts
    assert answer.err == "socialscore: no contact 003ZZZ is linked to a social identity\n"
    one = demo_stack.socialscore("profile", contacts[0], *at, "--json")
    assert one.code == 0, one.err
    assert one.json() == answer.json()[0]  # one id: the object itself, as before


def test_contacts_pages_through_every_linked_contact_once(demo_stack: DeployedStack) -> None:
    linked = Identities(demo_stack.rt.table("IdentitiesTable")).all_contacts()
    assert len(linked) > 5
    seen: list[str] = []
    after: list[str] = []
    for _ in range(len(linked)):
        answer = demo_stack.socialscore("contacts", "--limit", "4", *after, "--json")
        assert answer.code == 0, answer.err
        page = answer.json()
        assert len(page["contacts"]) <= 5  # a page ends with the whole of its last contact
        for row in page["contacts"]:
            assert row["identities"] == sorted(linked[row["contact_id"]])
            assert row["organic"] >= 0
        seen += [row["contact_id"] for row in page["contacts"]]
        if page["next"] is None:
            break
        after = ["--after", page["next"]]
    assert sorted(seen) == sorted(linked)
    text = demo_stack.socialscore("contacts", "--limit", "2")
    assert text.out.splitlines()[0].split() == [
        "contact",
        "identities",
        "organic",
        "paid",
        "hot",
        "lead",
        "since",
    ]
    assert text.out.splitlines()[-1].startswith("next page: socialscore contacts --after ")


def test_a_cursor_that_no_page_printed_is_one_line(demo_stack: DeployedStack) -> None:
    answer = demo_stack.socialscore("contacts", "--after", "not-a-cursor")
    assert (answer.code, answer.err) == (
        2,
        "socialscore: --after takes the cursor a page printed (next page: ...)\n",
    )
