"""The CRM's social fields read as X usernames, and the link changes they make (domain, pure):
links, unlinks, and the doubtful matches that wait for review instead."""

from __future__ import annotations

import pytest

from socialscore.domain.identity_plan import CurrentLink, Doubt, Review, plan
from socialscore.domain.social_fields import ContactFields, read_fields, x_username


@pytest.mark.parametrize(
    ("value", "username"),
    [
        ("@Ana_Dev", "ana_dev"),
        ("ana_dev", "ana_dev"),
        ("  ANA_DEV ", "ana_dev"),
        ("https://x.com/Ana_Dev", "ana_dev"),
        ("https://twitter.com/ana_dev/status/123?s=20", "ana_dev"),
        ("www.twitter.com/@ana_dev", "ana_dev"),
        ("x.com/intent/user?screen_name=Ana_Dev", "ana_dev"),
        ("http://mobile.twitter.com/ana_dev/", "ana_dev"),
        ("", None),
        (None, None),
        ("https://x.com/home", None),
        ("https://x.com/", None),
        ("https://www.linkedin.com/in/ana", None),
        ("ana.dev@example.com", None),
        ("a_name_far_too_long_for_x", None),
        ("ana dev", None),
        ("@" + "a" * 300, None),
    ],
)
def test_a_field_is_read_to_its_lowercase_x_username_or_to_nothing(
    value: str | None, username: str | None
) -> None:
    assert x_username(value) == username


def test_a_contacts_fields_name_each_username_once_and_never_show_it() -> None:
    fields = read_fields("c1", ["@Ana", "https://x.com/ana", None, "bo"], "owner-7")
    assert fields.usernames == ("ana", "bo")
    assert fields.owner_id == "owner-7"
    assert "ana" not in repr(fields)


def contact(contact_id: str, *usernames: str) -> ContactFields:
    return ContactFields(contact_id, usernames)


def crm(identity: str, contact_id: str) -> CurrentLink:
    return CurrentLink(identity, contact_id, "crm_record")


def test_a_username_that_resolves_links_its_id_to_the_contact_with_its_owner() -> None:
    out = plan([ContactFields("c1", ("ana",), "o1")], {"ana": "11"}, {}, {}, set())
    assert out.link == [("x#11", "c1", "o1")]
    assert out.unlink == []
    assert out.reviews == []


def test_a_link_already_there_changes_nothing_whatever_made_it() -> None:
    linked = {"x#11": CurrentLink("x#11", "c1", "opt_in")}
    out = plan([contact("c1", "ana")], {"ana": "11"}, linked, {}, set())
    assert out.link == []
    assert out.unlink == []
    assert out.reviews == []


def test_a_cleared_field_unlinks_its_link_and_a_changed_one_relinks() -> None:
    field_links = {"c1": [crm("x#11", "c1")], "c2": [crm("x#22", "c2")]}
    linked = {"x#11": crm("x#11", "c1"), "x#22": crm("x#22", "c2")}
    out = plan([contact("c1"), contact("c2", "new")], {"new": "33"}, linked, field_links, set())
    assert out.unlink == [("x#11", "c1"), ("x#22", "c2")]
    assert out.link == [("x#33", "c2", None)]


def test_one_account_named_by_two_contacts_links_neither_and_waits_for_review() -> None:
    out = plan([contact("c1", "ana"), contact("c2", "ana")], {"ana": "11"}, {}, {}, set())
    assert out.link == []
    assert [(r.contact_id, r.doubt) for r in out.reviews] == [
        ("c1", Doubt.CLAIMED_BY_SEVERAL),
        ("c2", Doubt.CLAIMED_BY_SEVERAL),
    ]


def test_an_account_linked_to_another_contact_is_not_moved_but_waits() -> None:
    linked = {"x#11": CurrentLink("x#11", "c9", "opt_in")}
    out = plan([contact("c1", "ana")], {"ana": "11"}, linked, {}, set())
    assert out.link == []
    assert out.reviews == [Review("x#11", "c1", Doubt.WOULD_MOVE, "c9")]


def test_a_username_no_longer_resolving_keeps_the_link_and_waits() -> None:
    field_links = {"c1": [crm("x#11", "c1")]}
    out = plan([contact("c1", "ana")], {"ana": None}, {}, field_links, set())
    assert out.unlink == []
    assert out.reviews == [Review("x#11", "c1", Doubt.NO_LONGER_RESOLVES, "c1")]
    assert out.unresolved == 1


def test_a_review_a_person_rejected_is_not_queued_again() -> None:
    linked = {"x#11": CurrentLink("x#11", "c9", "opt_in")}
    out = plan([contact("c1", "ana")], {"ana": "11"}, linked, {}, {"x#11#c1"})
    assert out.reviews == []
    assert out.link == []


def test_a_link_an_identify_event_made_is_never_taken_off_by_a_field() -> None:
    # field_links holds only field-made links: the caller leaves opt_in/source_asserted out
    out = plan([contact("c1")], {}, {"x#11": CurrentLink("x#11", "c1", "opt_in")}, {}, set())
    assert out.unlink == []
