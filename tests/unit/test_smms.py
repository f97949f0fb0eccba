"""The SMMS webhook contract: validation, normalisation, deterministic ids, no content kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from socialscore.domain.interaction import (
    Answered,
    Category,
    ConsentBasis,
    Erase,
    Identify,
    Interaction,
    Kind,
    Network,
)
from socialscore.sources.smms import SmmsWebhook

POST = "https://x.com/brandco/status/1790000000000000001"
REPLY = "https://x.com/someone/status/1790000000000000002"


def like(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "interaction",
        "id": "evt-1",
        "network": "x",
        "kind": "like",
        "actor_id": "1234567",
        "target_permalink": POST,
        "occurred_at": "2026-03-01T10:00:00Z",
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


def identify(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "identify",
        "id": "idn-1",
        "network": "x",
        "network_user_id": "1234567",
        "contact_id": "003XYZ",
        "consent_basis": "opt_in",
        "occurred_at": "2026-03-01T10:00:00Z",
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


def parse(*events: dict[str, Any], **extra: Any) -> list[Interaction | Identify | Erase | Answered]:
    webhook = SmmsWebhook.model_validate({"events": list(events), **extra})
    return [e.normalise() for e in webhook.events]


def only(*events: dict[str, Any]) -> Interaction:
    [normalised] = parse(*events)
    assert isinstance(normalised, Interaction)
    return normalised


def rejection(*events: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as err:
        SmmsWebhook.model_validate({"events": list(events)})
    return str(err.value)


def test_a_valid_like_normalises_to_an_interaction() -> None:
    i = only(like())
    assert i.type == "interaction"
    assert i.source == "smms"
    assert i.network is Network.X
    assert i.kind is Kind.LIKE
    assert i.category is Category.ORGANIC
    assert i.actor_id == "1234567"
    # A link ingest can read travels as its post key, so no handle reaches the queues.
    assert i.target_post == "x#" + POST.rsplit("/", 1)[-1]
    assert i.target_permalink is None
    assert i.interaction_permalink is None
    assert i.occurred_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert i.tags == []


def test_a_follow_normalises_with_its_target_user() -> None:
    i = only(like(kind="follow", target_permalink=None, target_user_id="777"))
    assert i.kind is Kind.FOLLOW
    assert i.target_user_id == "777"
    assert i.target_permalink is None


def test_a_comment_may_carry_its_own_post() -> None:
    i = only(like(kind="comment", interaction_permalink=REPLY))
    assert i.own_post == "x#" + REPLY.rsplit("/", 1)[-1].split("?")[0]


def test_the_smms_may_say_whose_post_it_is_and_when_it_was_posted() -> None:
    facts = {"target_author_id": "657892279", "target_created_at": "2026-02-27T09:00:00+01:00"}
    i = only(like(**facts))
    assert i.target_author_id == "657892279"
    assert i.target_created_at == datetime(2026, 2, 27, 8, 0, tzinfo=UTC)
    assert i.interaction_id == only(like()).interaction_id  # still the same act


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"target_created_at": "2026-02-27T09:00:00"}, "target_created_at"),  # no time zone
        ({"target_created_at": "1999-02-27T09:00:00Z"}, "target_created_at"),  # before 2006
        ({"target_created_at": "2126-02-27T09:00:00Z"}, "target_created_at"),  # a typo'd year
        ({"target_author_id": "@acmeinsights"}, "target_author_id"),  # a handle, not an id
    ],
)
def test_the_post_s_facts_are_validated_like_the_act_s(facts: dict[str, str], field: str) -> None:
    assert f"interaction.{field}" in rejection(like(**facts))


@pytest.mark.parametrize("field", ["target_author_id", "target_created_at"])
def test_the_post_s_facts_without_the_post_are_refused(field: str) -> None:
    value = {"target_author_id": "657892279", "target_created_at": "2026-02-27T09:00:00Z"}[field]
    follow = like(kind="follow", target_permalink=None, target_user_id="777", **{field: value})
    assert f"interaction.{field}" in rejection(follow)


def test_the_same_event_id_always_gives_the_same_interaction_id() -> None:
    first = only(like(id="evt-42"))
    again = only(like(id="evt-42", occurred_at="2026-03-01T10:00:05Z"))
    assert first.interaction_id == again.interaction_id


def test_different_acts_give_different_interaction_ids() -> None:
    ids = {only(like(id=f"evt-{n}", actor_id=f"{n}")).interaction_id for n in range(50)}
    assert len(ids) == 50


def test_one_act_sent_under_two_event_ids_is_one_interaction() -> None:
    # The SMMS and the network may both report the same like; it is identified by what it is.
    assert only(like(id="evt-1")).interaction_id == only(like(id="evt-2")).interaction_id


def test_clicks_are_told_apart_by_event_id() -> None:
    first = only(like(id="evt-1", kind="click")).interaction_id
    assert first != only(like(id="evt-2", kind="click")).interaction_id


def test_tags_are_lower_cased_sorted_and_deduplicated() -> None:
    i = only(like(tags=["Retweet", "employee", "RETWEET", " Branded ", "employee", ""]))
    assert i.tags == ["branded", "employee", "retweet"]


@pytest.mark.parametrize("tag", ["paid", "PAID", " Paid "])
def test_a_paid_tag_makes_the_interaction_paid(tag: str) -> None:
    assert only(like(tags=["branded", tag])).category is Category.PAID


@pytest.mark.parametrize("tags", [[], ["branded"], ["employee", "retweet"], ["unpaid"]])
def test_without_a_paid_tag_the_interaction_is_organic(tags: list[str]) -> None:
    assert only(like(tags=tags)).category is Category.ORGANIC


def test_post_text_and_handles_are_not_kept_anywhere() -> None:
    secret_text = "We are evaluating vendors, call me at 555-0100"
    handle = "@ceo_of_prospect_inc"
    events = [
        like(text=secret_text, author_handle=handle, actor_handle=handle),
        like(
            id="evt-2",
            kind="comment",
            interaction_permalink=REPLY,
            text=secret_text,
            author_handle=handle,
            author={"handle": handle, "bio": secret_text},
        ),
        identify(text=secret_text, handle=handle),
    ]
    normalised = parse(*events, text=secret_text, author_handle=handle)
    assert len(normalised) == 3
    for n in normalised:
        as_json = n.model_dump_json()
        for absent in (secret_text, handle, "ceo_of_prospect_inc", "555-0100"):
            assert absent not in as_json
        dumped = n.model_dump()
        for field in ("text", "author_handle", "actor_handle", "author", "handle"):
            assert field not in dumped


def test_a_follow_without_target_user_id_is_rejected_naming_the_problem() -> None:
    message = rejection(like(kind="follow", target_permalink=None))
    assert "target_user_id" in message


def test_a_like_without_target_permalink_is_rejected_naming_the_problem() -> None:
    message = rejection(like(target_permalink=None))
    assert "target_permalink" in message


def test_an_interaction_permalink_on_a_like_is_rejected_naming_the_problem() -> None:
    message = rejection(like(interaction_permalink=REPLY))
    assert "interaction_permalink" in message


@pytest.mark.parametrize("naive", ["2026-03-01T10:00:00", "2026-03-01 10:00:00"])
def test_a_naive_datetime_is_rejected(naive: str) -> None:
    message = rejection(like(occurred_at=naive))
    assert "occurred_at" in message


@pytest.mark.parametrize("edge", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_a_moment_outside_datetime_s_range_in_utc_is_a_400_not_a_crash(edge: str) -> None:
    # Found by tests/e2e/test_api_fuzz.py: the conversion to UTC overflowed (an HTTP 500).
    assert "occurred_at" in rejection(like(occurred_at=edge))


def test_a_naive_datetime_on_identify_is_rejected() -> None:
    assert "occurred_at" in rejection(identify(occurred_at="2026-03-01T10:00:00"))


def test_one_hundred_events_are_accepted() -> None:
    assert len(parse(*(like(id=f"evt-{n}") for n in range(100)))) == 100


def test_more_than_one_hundred_events_are_rejected() -> None:
    message = rejection(*(like(id=f"evt-{n}") for n in range(101)))
    assert "events" in message


def test_an_empty_batch_is_rejected() -> None:
    with pytest.raises(ValidationError):
        SmmsWebhook.model_validate({"events": []})


def test_identify_normalises_with_its_consent_basis() -> None:
    [normalised] = parse(identify(consent_basis="source_asserted"))
    assert isinstance(normalised, Identify)
    assert normalised.consent_basis is ConsentBasis.SOURCE_ASSERTED
    assert normalised.contact_id == "003XYZ"
    assert normalised.identity == "x#1234567"


def test_identify_without_consent_basis_is_rejected() -> None:
    message = rejection(identify(consent_basis=None))
    assert "consent_basis" in message


def test_identify_with_an_unknown_consent_basis_is_rejected() -> None:
    assert "consent_basis" in rejection(identify(consent_basis="implied"))


def test_an_unknown_event_type_is_rejected() -> None:
    with pytest.raises(ValidationError):
        SmmsWebhook.model_validate({"events": [like(type="unlike")]})


def erase(**fields: Any) -> dict[str, Any]:
    return {"type": "erase", "id": "erase-1", "occurred_at": "2026-03-01T10:00:00Z", **fields}


def test_an_erasure_names_a_contact_or_one_identity() -> None:
    by_contact = SmmsWebhook.model_validate({"events": [erase(contact_id="003A")]}).events[0]
    erased = by_contact.normalise()
    assert isinstance(erased, Erase)
    assert erased.contact_id == "003A"
    by_identity = SmmsWebhook.model_validate(
        {"events": [erase(network="x", network_user_id="42")]}
    ).events[0]
    erased = by_identity.normalise()
    assert isinstance(erased, Erase)
    assert erased.identity == "x#42"


@pytest.mark.parametrize(
    "fields",
    [{}, {"network": "x"}, {"contact_id": "003A", "network": "x", "network_user_id": "42"}],
)
def test_an_erasure_naming_nobody_or_two_people_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as err:
        SmmsWebhook.model_validate({"events": [erase(**fields)]})
    assert "either contact_id, or network and network_user_id" in str(err.value)
