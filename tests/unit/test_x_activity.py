"""X Account Activity: CRC, signatures, and the documented event shapes as interactions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from socialscore.domain.interaction import (
    Answered,
    Interaction,
    Kind,
    Network,
    PostDeleted,
    Retraction,
)
from socialscore.sources.signatures import SignatureError
from socialscore.sources.smms import SmmsWebhook
from socialscore.sources.x import XSource

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 10, 15, tzinfo=UTC)
SECRET = "consumer-secret-1"
BRAND = "2244994945"
SOURCE = XSource()


def payload(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def signature(secret: str, body: bytes) -> str:
    return (
        "sha256="
        + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    )


def messages(name: str) -> list[Any]:
    return SOURCE.messages(payload(name), NOW)


def interaction(message: object) -> Interaction:
    assert isinstance(message, Interaction)
    return message


def test_signatures_are_the_rfc_4231_hmac_of_the_body() -> None:
    # RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?").
    expected = bytes.fromhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    header = {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(expected).decode()}
    SOURCE.verify({"consumer_secrets": ["Jefe"]}, header, b"what do ya want for nothing?", NOW)
    with pytest.raises(SignatureError):  # one byte of the body changed: not that HMAC
        SOURCE.verify({"consumer_secrets": ["Jefe"]}, header, b"what do ya want for nothing!", NOW)


def test_crc_answers_with_the_hmac_of_the_token() -> None:
    token = "d2hhdCBkbyB5YSB3YW50IGZvciBub3RoaW5nPw=="
    answer = SOURCE.challenge({"consumer_secrets": ["Jefe"]}, {"crc_token": token})
    assert answer.status == 200
    assert answer.body == {"response_token": signature("Jefe", token.encode())}


def test_crc_uses_the_first_listed_secret_and_needs_a_token() -> None:
    secrets = {"consumer_secrets": ["new", "old"]}
    answer = SOURCE.challenge(secrets, {"crc_token": "abc"})
    assert answer.body == {"response_token": signature("new", b"abc")}
    assert SOURCE.challenge(secrets, {}).status == 400


def test_a_body_signed_with_a_live_consumer_secret_verifies() -> None:
    body = payload("x_favorite.json")
    headers = {"x-twitter-webhooks-signature": signature("old", body)}
    SOURCE.verify({"consumer_secrets": ["new", "old"]}, headers, body, NOW)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-twitter-webhooks-signature": "sha256=AAAA"},
        {"x-twitter-webhooks-signature": signature("retired", b"{}")},
    ],
)
def test_a_missing_or_wrong_signature_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        SOURCE.verify({"consumer_secrets": [SECRET]}, headers, payload("x_favorite.json"), NOW)


def test_a_tampered_body_is_refused() -> None:
    body = payload("x_favorite.json")
    headers = {"x-twitter-webhooks-signature": signature(SECRET, body)}
    with pytest.raises(SignatureError):
        SOURCE.verify({"consumer_secrets": [SECRET]}, headers, body.replace(b"987", b"986"), NOW)


def test_the_oauth2_signature_is_checked_when_present() -> None:
    body = payload("x_favorite.json")
    secrets = {"consumer_secrets": [SECRET], "oauth2_client_secrets": ["client-secret"]}
    good = {
        "x-twitter-webhooks-signature": signature(SECRET, body),
        "x-twitter-webhooks-signature-oauth2": signature("client-secret", body),
    }
    SOURCE.verify(secrets, good, body, NOW)
    bad = {**good, "x-twitter-webhooks-signature-oauth2": signature("other", body)}
    with pytest.raises(SignatureError):
        SOURCE.verify(secrets, bad, body, NOW)
    with pytest.raises(SignatureError):  # present, but no client secret to check it with
        SOURCE.verify({"consumer_secrets": [SECRET]}, good, body, NOW)


def test_a_retweet_is_a_share_of_the_original_with_its_own_post() -> None:
    [share] = messages("x_retweet.json")
    assert isinstance(share, Interaction)
    assert (share.kind, share.network, share.actor_id) == (
        Kind.SHARE,
        Network.X,
        "1456048545596377351",
    )
    # Ids past 2**53 survive exactly, as strings.
    assert share.target_post == "x#1845977812345678848"
    assert share.own_post == "x#1846012345678901249"
    assert share.target_author_id == BRAND
    assert share.occurred_at == datetime(2026, 10, 14, 20, 19, 24, tzinfo=UTC)


def test_replies_quotes_and_mentions_and_never_the_accounts_own_post() -> None:
    reply, quote, mention = messages("x_reply_quote_mention.json")
    assert (reply.kind, reply.target_post, reply.own_post) == (
        Kind.COMMENT,
        "x#1845977812345678848",
        "x#1846211111111111111",
    )
    assert (quote.kind, quote.target_author_id) == (Kind.QUOTE, BRAND)
    assert (mention.kind, mention.target_user_id, mention.target_post) == (
        Kind.MENTION,
        BRAND,
        None,
    )


def test_no_text_or_handle_leaves_the_source() -> None:
    out = json.dumps([m.model_dump(mode="json") for m in messages("x_reply_quote_mention.json")])
    for secret_text in ("evaluating vendors", "cio_of_prospect", "analyst_amy", "Shout out"):
        assert secret_text not in out


def test_a_favorite_is_a_like_and_counts_once_with_the_smms_report_of_it() -> None:
    [like] = messages("x_favorite.json")
    assert (like.kind, like.actor_id, like.target_post) == (
        Kind.LIKE,
        "987654321",
        "x#1845977812345678848",
    )
    smms = SmmsWebhook.model_validate(
        {
            "events": [
                {
                    "type": "interaction",
                    "id": "hootsuite-evt-77",
                    "network": "x",
                    "kind": "like",
                    "actor_id": "987654321",
                    "target_permalink": "https://twitter.com/acmeinsights/status/1845977812345678848",
                    "occurred_at": "2026-10-15T16:33:26Z",
                }
            ]
        }
    ).events[0]
    assert interaction(smms.normalise()).interaction_id == like.interaction_id


def test_the_smms_and_x_report_of_one_retweet_are_one_interaction() -> None:
    [share] = messages("x_retweet.json")
    smms = SmmsWebhook.model_validate(
        {
            "events": [
                {
                    "type": "interaction",
                    "id": "sprout-991",
                    "network": "x",
                    "kind": "share",
                    "actor_id": "1456048545596377351",
                    "target_permalink": "https://x.com/acmeinsights/status/1845977812345678848",
                    "interaction_permalink": "https://x.com/zoe_pm/status/1846012345678901249",
                    "occurred_at": "2026-10-14T20:19:24Z",
                }
            ]
        }
    ).events[0]
    assert interaction(smms.normalise()).interaction_id == share.interaction_id


def test_an_unfollow_retracts_exactly_the_follow_it_undoes() -> None:
    follow, unfollow = messages("x_follow_unfollow.json")
    assert isinstance(follow, Interaction)
    assert (follow.kind, follow.target_user_id) == (Kind.FOLLOW, BRAND)
    assert isinstance(unfollow, Retraction)
    again = SOURCE.messages(
        payload("x_follow_unfollow.json").replace(b'"type": "unfollow"', b'"type": "follow"'), NOW
    )[1]
    assert unfollow.interaction_id == interaction(again).interaction_id
    assert unfollow.occurred_at > follow.occurred_at


def test_a_deleted_tweet_becomes_a_post_deletion() -> None:
    [deleted] = messages("x_delete.json")
    assert isinstance(deleted, PostDeleted)
    assert deleted.post == "x#1846012345678901249"


def test_a_self_reply_earns_nothing() -> None:
    body = json.loads(payload("x_reply_quote_mention.json"))
    reply = body["tweet_create_events"][0]
    reply["user"] = {"id_str": BRAND}
    assert SOURCE.messages(json.dumps({**body, "tweet_create_events": [reply]}).encode(), NOW) == []


def test_a_timestamp_out_of_any_calendar_is_a_value_error_not_a_crash() -> None:
    body = {
        "for_user_id": BRAND,
        "tweet_delete_events": [{"status": {"id": "5"}, "timestamp_ms": "9" * 30}],
    }
    with pytest.raises(ValueError, match="timestamp_ms: must be unix milliseconds") as refused:
        SOURCE.messages(json.dumps(body).encode(), NOW)
    assert "999" not in str(refused.value)  # the rule, never the value sent


def tweets(*events: dict[str, Any], account: str = BRAND) -> Any:
    return SOURCE.read(
        json.dumps({"for_user_id": account, "tweet_create_events": events}).encode(), NOW
    )


def tweet(author: str, post: str = "1846299999999999999", **fields: Any) -> dict[str, Any]:
    return {
        "id_str": post,
        "timestamp_ms": "1792062000000",
        "user": {"id_str": author},
        **fields,
    }


def test_a_longform_post_s_late_mention_is_credited() -> None:
    # Shape per https://docs.x.com/x-api/account-activity/introduction "Support for longform
    # posts": the mention is only in extended_tweet.entities.
    [mention] = messages("x_longform_mention.json")
    assert (mention.kind, mention.actor_id, mention.target_user_id) == (
        Kind.MENTION,
        "555000333",
        BRAND,
    )


def test_a_reply_to_a_third_party_that_mentions_the_account_is_a_mention_of_it() -> None:
    mentions: dict[str, Any] = {
        "entities": {"user_mentions": [{"id_str": "42"}, {"id_str": BRAND}]}
    }
    third_party = tweet(
        "987654321", in_reply_to_status_id_str="7", in_reply_to_user_id_str="42", **mentions
    )
    [mention] = tweets(third_party).messages
    assert (mention.kind, mention.target_user_id, mention.target_post) == (
        Kind.MENTION,
        BRAND,
        None,
    )
    # A reply to the account's own post stays a comment on that post.
    own = tweet(
        "987654321", in_reply_to_status_id_str="8", in_reply_to_user_id_str=BRAND, **mentions
    )
    [comment] = tweets(own).messages
    assert (comment.kind, comment.target_post) == (Kind.COMMENT, "x#8")


def test_the_account_s_own_likes_retweets_and_follows_are_nobody_s_touches() -> None:
    seller_post = {"id_str": "9", "user": {"id_str": "31337"}}
    body = {
        "for_user_id": BRAND,
        "tweet_create_events": [tweet(BRAND, retweeted_status=seller_post)],
        "favorite_events": [
            {"timestamp_ms": 1792082006140, "favorited_status": seller_post, "user": {"id": BRAND}}
        ],
        "follow_events": [
            {
                "type": "follow",
                "created_timestamp": "1792090000000",
                "source": {"id": BRAND},
                "target": {"id": "31337"},
            }
        ],
    }
    reading = SOURCE.read(json.dumps(body).encode(), NOW)
    assert reading.messages == []
    assert dict(reading.ignored) == {"act_by_subscribed_account": 3}


def test_the_account_s_reply_to_a_customer_answers_that_act() -> None:
    answer = tweet(
        BRAND, in_reply_to_status_id_str="1846211111111111111", in_reply_to_user_id_str="987654321"
    )
    [answered] = tweets(answer).messages
    assert isinstance(answered, Answered)
    assert answered.post == "x#1846211111111111111"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("x_user_event.json", "app_access_revoked"),
        ("x_replay_job_status.json", "replay_job_incomplete"),
    ],
)
def test_revokes_and_replay_jobs_are_acknowledged_and_counted(name: str, reason: str) -> None:
    # Samples from https://docs.x.com/x-api/account-activity/introduction (user_event) and
    # https://docs.x.com/x-api/account-activity/quickstart (replay_job_status).
    reading = SOURCE.read(payload(name), NOW)
    assert reading.messages == []
    assert dict(reading.ignored) == {reason: 1}


def test_event_arrays_socialscore_does_not_read_are_counted_as_ignored() -> None:
    body = {
        "for_user_id": BRAND,
        "direct_message_events": [{"type": "message_create"}, {"type": "message_create"}],
        "users": {BRAND: {"id": BRAND}},
        "block_events": [{}],
    }
    reading = SOURCE.read(json.dumps(body).encode(), NOW)
    assert dict(reading.ignored) == {"event_type_not_scored": 3}


def test_acts_without_the_subscribed_account_are_refused() -> None:
    body = json.loads(payload("x_favorite.json"))
    del body["for_user_id"]
    with pytest.raises(ValueError, match="for_user_id"):
        SOURCE.read(json.dumps(body).encode(), NOW)


def test_an_id_of_20_digits_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        tweets(tweet("1" * 20))
