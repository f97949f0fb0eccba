"""X Activity API deliveries, from X's own documented samples
(https://docs.x.com/x-api/activity/event-payloads, saved in events/webhooks/x_activity_*.json),
become the interactions the Account Activity path makes for the same acts, with the same ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from socialscore.domain.acts import act_id
from socialscore.domain.interaction import Interaction, Kind, Network, PostDeleted, Retraction
from socialscore.sources.base import Reading
from socialscore.sources.x import XSource

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
RECEIVED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SOURCE = XSource()
ACCOUNT = "1111111111111111111"  # the samples' filtered user
OTHER = "2222222222222222222"
POST = "2080761390344937796"  # the filtered user's post the samples act on


def sample(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS / f"x_activity_{name}.json").read_text())
    return document


def read(document: dict[str, Any]) -> Reading:
    return SOURCE.read(json.dumps(document).encode(), RECEIVED)


def only(document: dict[str, Any]) -> Any:
    reading = read(document)
    assert not reading.ignored
    (message,) = reading.messages
    return message


def test_a_reply_to_the_account_s_post_is_a_comment_with_the_account_activity_id() -> None:
    reply = only(sample("reply"))
    assert isinstance(reply, Interaction)
    assert (reply.kind, reply.actor_id, reply.target_post, reply.own_post) == (
        Kind.COMMENT,
        OTHER,
        f"x#{POST}",
        "x#2090000000000000001",
    )
    assert reply.target_author_id == ACCOUNT
    assert reply.occurred_at == datetime(2026, 8, 12, 18, tzinfo=UTC)
    # The same reply delivered by the Account Activity API counts once with it.
    aaa = {
        "for_user_id": ACCOUNT,
        "tweet_create_events": [
            {
                "id_str": "2090000000000000001",
                "created_at": "Wed Aug 12 18:00:00 +0000 2026",
                "user": {"id_str": OTHER},
                "in_reply_to_status_id_str": POST,
                "in_reply_to_user_id_str": ACCOUNT,
                "entities": {"user_mentions": [{"id_str": ACCOUNT}]},
            }
        ],
    }
    (same,) = read(aaa).messages
    assert isinstance(same, Interaction)
    assert same.interaction_id == reply.interaction_id


@pytest.mark.parametrize(("name", "kind"), [("quote", Kind.QUOTE), ("repost", Kind.SHARE)])
def test_quotes_and_reposts_of_the_account_s_post(name: str, kind: Kind) -> None:
    message = only(sample(name))
    assert (message.kind, message.actor_id, message.target_post) == (kind, OTHER, f"x#{POST}")
    assert message.target_author_id == ACCOUNT  # X: a Post by the filtered user
    assert message.interaction_id == act_id(Network.X, OTHER, kind, f"x#{POST}", message.own_post)


def test_a_mention_is_a_mention_of_the_account() -> None:
    mention = only(sample("mention"))
    assert (mention.kind, mention.actor_id, mention.target_user_id, mention.target_post) == (
        Kind.MENTION,
        OTHER,
        ACCOUNT,
        None,
    )


def test_a_mention_in_a_reply_to_a_third_party_credits_the_account_not_that_post() -> None:
    document = sample("mention")
    document["data"]["payload"] |= {
        "in_reply_to_user_id": "3333333333333333333",
        "referenced_tweets": [{"type": "replied_to", "id": "2079814480427442556"}],
    }
    mention = only(document)
    assert (mention.kind, mention.target_user_id, mention.target_post) == (
        Kind.MENTION,
        ACCOUNT,
        None,
    )


def test_a_long_post_s_late_mention_is_read_from_its_note() -> None:
    document = sample("mention")
    payload = document["data"]["payload"]
    payload["note_tweet"] = {
        "text": "…",
        "entities": {"mentions": payload.pop("entities")["mentions"]},
    }
    assert only(document).kind is Kind.MENTION


def test_a_follow_of_the_account_and_its_undoing_match_the_account_activity_ones() -> None:
    follow, unfollow = sample("follow"), sample("unfollow")
    for document in (follow, unfollow):  # the samples: the account follows; here it is followed
        payload = document["data"]["payload"]
        payload["source"], payload["target"] = payload["target"], payload["source"]
    followed = only(follow)
    assert isinstance(followed, Interaction)
    assert (followed.kind, followed.actor_id, followed.target_user_id) == (
        Kind.FOLLOW,
        "4444444444444444444",
        ACCOUNT,
    )
    assert followed.occurred_at == RECEIVED  # X sends no time: receipt stands for it
    undone = only(unfollow)
    assert isinstance(undone, Retraction)
    assert undone.interaction_id == followed.interaction_id
    aaa = {
        "for_user_id": ACCOUNT,
        "follow_events": [
            {
                "type": "follow",
                "created_timestamp": "1792090000000",
                "source": {"id": "4444444444444444444"},
                "target": {"id": ACCOUNT},
            }
        ],
    }
    message = read(aaa).messages[0]
    assert isinstance(message, Interaction)
    assert message.interaction_id == followed.interaction_id


def test_a_deleted_post_is_purged() -> None:
    deleted = only(sample("post_delete"))
    assert isinstance(deleted, PostDeleted)
    assert deleted.post == "x#2080761269309813134"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("post_create", "act_by_subscribed_account"),  # the account's own post
        ("follow", "act_by_subscribed_account"),  # the account follows someone
        ("unfollow", "act_by_subscribed_account"),
        ("like", "act_by_subscribed_account"),  # an outbound like: the account's own
        ("revoke", "app_access_revoked"),
        ("dm_received", "event_type_not_scored"),
    ],
)
def test_events_that_earn_no_credit_are_acknowledged_with_their_reason(
    name: str, reason: str
) -> None:
    reading = read(sample(name))
    assert reading.messages == []
    assert dict(reading.ignored) == {reason: 1}


def test_an_inbound_like_names_no_liker_and_is_ignored() -> None:
    document = sample("like")
    document["data"]["filter"]["direction"] = "inbound"
    assert dict(read(document).ignored) == {"like_without_liker": 1}
    del document["data"]["filter"]["direction"]  # no direction: the liked post's author says
    document["data"]["payload"]["liked_tweet_author_id"] = ACCOUNT
    assert dict(read(document).ignored) == {"like_without_liker": 1}


def test_an_error_envelope_and_an_unknown_event_type_are_acknowledged() -> None:
    errors = {"errors": [{"title": "ConnectionException", "detail": "retry"}]}
    assert dict(read(errors).ignored) == {"activity_api_error": 1}
    novel = sample("reply")
    novel["data"]["event_type"] = "bookmark.create"
    assert dict(read(novel).ignored) == {"event_type_not_scored": 1}


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "1" * 20), ("author_id", "-5"), ("created_at", "9999-99-99")],
)
def test_a_bad_payload_field_is_a_validation_error_naming_it_from_the_root(
    field: str, value: str
) -> None:
    document = sample("reply")
    document["data"]["payload"][field] = value
    with pytest.raises(ValidationError) as err:
        read(document)
    assert [e["loc"] for e in err.value.errors()] == [("data", "payload", field)]


def test_no_text_or_handle_leaves_the_source() -> None:
    out = json.dumps([only(sample(n)).model_dump(mode="json") for n in ("reply", "mention")])
    for text in ("Great post", "ExampleUser", "hey @"):
        assert text not in out
