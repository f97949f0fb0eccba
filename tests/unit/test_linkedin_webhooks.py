"""LinkedIn Company Page webhooks: the validation GET, the signature, and what each notification
becomes (README "LinkedIn (Company Pages)"), in memory."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from socialscore.domain.acts import act_id, post_key
from socialscore.domain.interaction import Answered, Interaction, Kind, Network, PostDeleted
from socialscore.domain.permalink import parse
from socialscore.sources.linkedin import CHALLENGE_CODE, LinkedInSource, signs_no_delivery
from socialscore.sources.signatures import SignatureError

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 10, 15, tzinfo=UTC)
SOURCE = LinkedInSource()
SECRETS = {"client_secrets": ["li-client-secret-new", "li-client-secret-old"]}
ORG = "urn:li:organization:5515715"
MEMBER = "urn:li:person:9x8Y7z6W5v"
POST = "urn:li:activity:6441333333905633322"
# LinkedIn's example code (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/
# webhook-validation): GET https://webhooks.example.com/linkedin?challengeCode=890e4665-...
DOC_CODE = "890e4665-4dfe-4ab1-b689-ed553bceeed0"


def event(name: str) -> bytes:
    return (EVENTS / f"linkedin_{name}.json").read_bytes()


def sign(secret: str, body: bytes) -> str:
    """As LinkedIn signs: hex HMAC-SHA256 of "hmacsha256=" + the raw body."""
    return hmac.new(secret.encode(), b"hmacsha256=" + body, hashlib.sha256).hexdigest()


def delivery(*notifications: dict[str, Any]) -> bytes:
    body = {"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": notifications}
    return json.dumps(body).encode()


def one(notification: dict[str, Any]) -> Any:
    base = {"notificationId": 1, "organizationalEntity": ORG, "lastModifiedAt": 1790000000000}
    reading = SOURCE.read(delivery({**base, **notification}), NOW)
    return reading.messages[0] if reading.messages else dict(reading.ignored)


# --- validation --------------------------------------------------------------------------
def test_the_documented_code_is_answered_with_the_first_client_secret() -> None:
    answer = SOURCE.challenge(SECRETS, {"challengeCode": DOC_CODE})
    expected = hmac.new(b"li-client-secret-new", DOC_CODE.encode(), hashlib.sha256).hexdigest()
    assert (answer.status, answer.body) == (
        200,
        {"challengeCode": DOC_CODE, "challengeResponse": expected},
    )


@pytest.mark.parametrize(
    "code",
    [
        "",
        "abc",
        "890e4665-4dfe-1ab1-b689-ed553bceeed0",  # version 1, not 4
        "890e4665-4dfe-4ab1-c689-ed553bceeed0",  # not the RFC 4122 variant
        '{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[]}',
        "hmacsha256=" + DOC_CODE,
    ],
)
def test_a_code_not_of_the_documented_shape_is_a_400_that_does_not_echo_it(code: str) -> None:
    answer = SOURCE.challenge(SECRETS, {"challengeCode": code})
    assert answer.status == 400
    assert [f["field"] for f in answer.body["fields"]] == ["challengeCode"]  # type: ignore[index]
    assert code not in json.dumps(answer.body) or not code


def test_without_a_client_secret_nothing_is_answered() -> None:
    assert SOURCE.challenge({}, {"challengeCode": DOC_CODE}).status == 401


@given(st.one_of(st.text(max_size=200), st.from_regex(CHALLENGE_CODE, fullmatch=True)))
def test_no_answered_code_can_sign_a_delivery(code: str) -> None:
    """The answer is HMAC(secret, code); a delivery's signature is HMAC(secret, "hmacsha256=" +
    body). An answered code is never a signed string of a body the source reads."""
    answer = SOURCE.challenge(SECRETS, {"challengeCode": code})
    if answer.status == 200:
        assert signs_no_delivery(code)
        assert not code.startswith("hmacsha256=")
        with pytest.raises(ValidationError):  # what the answer signs is never a body read
            SOURCE.messages(code.encode(), NOW)
        signed = code.encode().removeprefix(b"hmacsha256=")
        with pytest.raises(ValidationError):
            SOURCE.messages(signed, NOW)


# --- signatures --------------------------------------------------------------------------
def test_a_delivery_signed_by_either_live_secret_is_the_sources_own() -> None:
    body = event("like")
    for secret in SECRETS["client_secrets"]:
        SOURCE.verify(SECRETS, {"x-li-signature": sign(secret, body)}, body, NOW)
    SOURCE.verify(
        SECRETS, {"x-li-signature": sign("li-client-secret-old", body).upper()}, body, NOW
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_signature"),
        ({"x-li-signature": sign("some-other-secret-x", b"{}")}, "bad_signature"),
        # The body's bare HMAC (no "hmacsha256=" before it) is not LinkedIn's signature.
        (
            {
                "x-li-signature": hmac.new(
                    b"li-client-secret-new", event("like"), hashlib.sha256
                ).hexdigest()
            },
            "bad_signature",
        ),
    ],
)
def test_anything_else_is_refused(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(SECRETS, headers, event("like"), NOW)
    assert refused.value.reason == reason


def test_no_secret_configured_is_no_secret() -> None:
    body = event("like")
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify({}, {"x-li-signature": sign("x" * 20, body)}, body, NOW)
    assert refused.value.reason == "no_secret"


# --- what each notification becomes ------------------------------------------------------
def test_a_like_is_the_same_interaction_an_smms_link_to_the_post_gives() -> None:
    like = SOURCE.messages(event("like"), NOW)[0]
    assert isinstance(like, Interaction)
    assert (like.network, like.kind, like.actor_id) == (Network.LINKEDIN, Kind.LIKE, MEMBER)
    linked = parse(f"https://www.linkedin.com/feed/update/{POST}/?utm_source=share")
    target = post_key(Network.LINKEDIN, linked.post_id)
    assert like.target_post == target
    assert like.interaction_id == act_id(Network.LINKEDIN, MEMBER, Kind.LIKE, target, None)
    assert like.target_author_id == ORG  # the decorated post's owner
    assert like.occurred_at == datetime(2018, 8, 31, 18, 48, 40, 50000, tzinfo=UTC)


def test_a_comment_reads_its_words_for_intent_and_keeps_none_of_them() -> None:
    comment = SOURCE.messages(event("comment"), NOW)[0]
    assert isinstance(comment, Interaction)
    assert comment.kind is Kind.COMMENT
    assert comment.own_post == (
        "linkedin#urn:li:comment:(urn:li:activity:6441333333905633322,6441349999999999999)"
    )
    assert comment.own_words is not None
    assert comment.own_words.intent_hits == ["pricing"]
    assert "team of 40" not in comment.model_dump_json()
    assert "team of 40" not in repr(SOURCE.read(event("comment"), NOW))


def test_an_edited_comment_is_the_same_act() -> None:
    comment = json.loads(event("comment"))["notifications"][0]
    edited = {
        **comment,
        "action": "COMMENT_EDIT",
        "notificationId": 2,
        "lastModifiedAt": 1790000000000,
    }
    first, again = SOURCE.messages(delivery(comment, edited), NOW)
    assert isinstance(first, Interaction)
    assert isinstance(again, Interaction)
    assert first.interaction_id == again.interaction_id


def test_a_deleted_comment_takes_back_the_comment_whichever_urn_spelling() -> None:
    deleted = SOURCE.messages(event("comment_delete"), NOW)[0]
    comment = SOURCE.messages(event("comment"), NOW)[0]
    assert isinstance(deleted, PostDeleted)
    assert isinstance(comment, Interaction)
    assert deleted.post == comment.own_post  # (activity:N,M) and (urn:li:activity:N,M): one


def test_a_mention_credits_the_page() -> None:
    mention = SOURCE.messages(event("share_mention"), NOW)[0]
    assert isinstance(mention, Interaction)
    assert (mention.kind, mention.target_user_id) == (Kind.MENTION, ORG)
    assert mention.own_post == "linkedin#urn:li:share:6441340000000000002"


def test_a_reshare_is_a_share_of_the_post() -> None:
    share = one(
        {
            "action": "SHARE",
            "sourcePost": POST,
            "generatedActivity": "urn:li:share:7",
            "decoratedGeneratedActivity": {"share": {"owner": MEMBER, "entity": "urn:li:share:7"}},
        }
    )
    assert isinstance(share, Interaction)
    assert (share.kind, share.target_post) == (Kind.SHARE, f"linkedin#{POST}")


def test_the_pages_reply_to_a_comment_answers_it() -> None:
    parent = "urn:li:comment:(urn:li:activity:6441333333905633322,5)"
    answered = one(
        {
            "action": "ADMIN_COMMENT",
            "sourcePost": POST,
            "generatedActivity": "urn:li:comment:(urn:li:activity:6441333333905633322,6)",
            "decoratedGeneratedActivity": {"comment": {"owner": ORG, "parentComment": parent}},
        }
    )
    assert isinstance(answered, Answered)
    assert answered.post == f"linkedin#{parent}"


@pytest.mark.parametrize(
    ("notification", "reason"),
    [
        (
            {"action": "ADMIN_COMMENT", "generatedActivity": "urn:li:comment:(activity:1,2)"},
            "own_activity",
        ),
        ({"action": "LIKE", "sourcePost": POST}, "no_actor"),
        ({"action": "LIKE", "sourcePost": POST, "actor": ORG}, "own_activity"),
        (
            {"action": "LIKE", "sourcePost": "urn:li:article:1", "actor": MEMBER},
            "incomplete_notification",
        ),
        ({"action": "COMMENT_DELETE"}, "incomplete_notification"),
        ({"action": "REPOST_OF_SOMETHING_NEW"}, "action_other"),
    ],
)
def test_what_earns_nothing_is_acknowledged_with_its_reason(
    notification: dict[str, Any], reason: str
) -> None:
    assert one(notification) == {reason: 1}


def test_another_webhooks_delivery_is_acknowledged_and_ignored() -> None:
    body = json.dumps({"type": "LEAD_ACTION", "leadGenFormResponse": "urn:li:x:1"}).encode()
    reading = SOURCE.read(body, NOW)
    assert (reading.messages, dict(reading.ignored)) == ([], {"type_other": 1})


def test_one_bad_notification_does_not_take_its_batch_mates_down() -> None:
    good = json.loads(event("like"))["notifications"][0]
    odd = {"notificationId": 3, "organizationalEntity": ORG, "action": "LIKE"}
    reading = SOURCE.read(delivery(good, odd), NOW)
    assert len(reading.messages) == 1
    assert dict(reading.ignored) == {"incomplete_notification": 1}


def test_a_body_that_is_no_delivery_is_a_400() -> None:
    for body in (b"[]", b"{}", b'{"type": 1}', b"hmacsha256=" + DOC_CODE.encode()):
        with pytest.raises(ValidationError):
            SOURCE.read(body, NOW)


def test_a_malformed_notification_is_counted_and_its_batch_mates_are_read() -> None:
    good = json.loads(event("like"))["notifications"][0]
    nameless = {"action": "LIKE"}  # no notificationId, no organizationalEntity
    timeless = {**good, "notificationId": 9, "lastModifiedAt": 1}  # 1970: out of range
    reading = SOURCE.read(delivery(good, nameless, timeless), NOW)
    assert len(reading.messages) == 1
    assert dict(reading.ignored) == {"invalid_notification": 2}
