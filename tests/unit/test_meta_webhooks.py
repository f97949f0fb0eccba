"""Meta webhooks: verification GET, signatures, Page feed and Instagram changes."""

from __future__ import annotations

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
from socialscore.sources.meta import MetaSource
from socialscore.sources.signatures import SignatureError
from socialscore.sources.smms import SmmsWebhook

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 10, 15, tzinfo=UTC)
PAGE = "104857600000001"
STORY = "778899001122334"
POST = f"facebook#{STORY}"  # the Graph id {page}_{story} keyed as a link to the post keys it
SOURCE = MetaSource()


def payload(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def messages(body: bytes | dict[str, Any]) -> list[Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return SOURCE.messages(raw, NOW)


def test_the_signature_is_hex_hmac_sha256_as_in_rfc_4231() -> None:
    data = b"what do ya want for nothing?"
    expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    SOURCE.verify({"app_secrets": ["Jefe"]}, {"x-hub-signature-256": expected}, data, NOW)


def test_a_rotated_app_secret_verifies_and_a_wrong_one_does_not() -> None:
    body = payload("meta_page_feed.json")
    signed = "sha256=" + hmac.new(b"old", body, hashlib.sha256).hexdigest()
    SOURCE.verify({"app_secrets": ["new", "old"]}, {"x-hub-signature-256": signed}, body, NOW)
    with pytest.raises(SignatureError):
        SOURCE.verify({"app_secrets": ["new"]}, {"x-hub-signature-256": signed}, body, NOW)
    with pytest.raises(SignatureError):
        SOURCE.verify({"app_secrets": ["old"]}, {}, body, NOW)


@pytest.mark.parametrize("prefix", ["hub.", "hub_"])
def test_the_verification_get_returns_the_challenge_when_the_token_matches(prefix: str) -> None:
    query = {
        f"{prefix}mode": "subscribe",
        f"{prefix}verify_token": "tok",
        f"{prefix}challenge": "1158201444",
    }
    answer = SOURCE.challenge({"verify_token": "tok"}, query)
    assert (answer.status, answer.body) == (200, "1158201444")
    assert answer.headers == {"content-type": "text/plain"}


def test_the_verification_get_refuses_a_wrong_token_or_a_missing_challenge() -> None:
    good = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1"}
    assert SOURCE.challenge({"verify_token": "other"}, good).status == 403
    assert SOURCE.challenge({}, good).status == 403  # no token configured: nobody passes
    assert SOURCE.challenge({"verify_token": "tok"}, {**good, "hub.challenge": ""}).status == 400


def test_page_reactions_comments_and_shares_and_never_the_pages_own_post() -> None:
    like, comment, share = messages(payload("meta_page_feed.json"))
    assert (like.kind, like.network, like.target_post, like.target_author_id) == (
        Kind.LIKE,
        Network.FACEBOOK,
        POST,
        PAGE,
    )
    assert (comment.kind, comment.own_post) == (
        Kind.COMMENT,
        "facebook#1122334455667788",
    )
    assert (share.kind, share.actor_id) == (Kind.SHARE, "1234500000000001")  # older sender_id
    text = json.dumps([m.model_dump(mode="json") for m in (like, comment, share)])
    # The comment's words ("We are evaluating vendors, can we get a demo?") go no further than
    # the model's keywords they hit; no name either.
    assert comment.own_words.intent_hits == ["demo", "evaluating vendors"]
    for words in ("We are", "can we get", "?", "Pat Prospect"):
        assert words not in text


@pytest.mark.parametrize(
    "link",
    [
        f"https://www.facebook.com/{PAGE}/posts/{STORY}",
        f"https://www.facebook.com/acmeinsights/posts/{STORY}",  # a vanity name: no page id
        f"https://m.facebook.com/story.php?story_fbid={STORY}&id={PAGE}",
    ],
)
def test_a_like_reported_by_meta_and_by_the_smms_is_one_act(link: str) -> None:
    like = messages(payload("meta_page_feed.json"))[0]
    smms = {
        "type": "interaction",
        "id": "smms-evt-9",
        "network": "facebook",
        "kind": "like",
        "actor_id": like.actor_id,
        "target_permalink": link,
        "occurred_at": "2026-10-14T00:00:00Z",
    }
    [event] = SmmsWebhook.model_validate({"events": [smms]}).events
    reported = event.normalise()
    assert isinstance(reported, Interaction)
    assert (reported.interaction_id, reported.target_post) == (like.interaction_id, POST)


def test_whose_post_it_is_is_read_from_the_graph_id_before_it_is_keyed() -> None:
    # The key drops the page id; only the raw id says the post is this page's, not another's.
    body = json.loads(payload("meta_page_feed.json"))
    body["entry"][0]["changes"] = body["entry"][0]["changes"][:1]
    body["entry"][0]["changes"][0]["value"]["post_id"] = f"999000111_{STORY}"
    [like] = messages(body)
    assert (like.target_post, like.target_author_id) == (POST, None)


@pytest.mark.parametrize("reaction", ["like", "love", "care", "haha", "wow", "sorry", "anger"])
def test_every_reaction_type_is_applause(reaction: str) -> None:
    body = json.loads(payload("meta_page_feed.json"))
    body["entry"][0]["changes"] = body["entry"][0]["changes"][:1]
    body["entry"][0]["changes"][0]["value"]["reaction_type"] = reaction
    [like] = messages(body)
    assert like.kind is Kind.LIKE


def test_removals_retract_exactly_the_reaction_and_comment() -> None:
    like, comment, _ = messages(payload("meta_page_feed.json"))
    unlike, uncomment = messages(payload("meta_page_remove.json"))
    assert isinstance(unlike, Retraction)
    assert unlike.interaction_id == like.interaction_id
    assert isinstance(uncomment, PostDeleted)
    assert uncomment.post == comment.own_post


def test_an_edited_comment_is_the_same_interaction() -> None:
    body = json.loads(payload("meta_page_feed.json"))
    original = messages(body)[1]
    body["entry"][0]["changes"][1]["value"]["verb"] = "edited"
    assert messages(body)[1].interaction_id == original.interaction_id


def test_instagram_comments_in_both_entry_forms_and_mentions_without_an_actor_dropped() -> None:
    first, second = messages(payload("meta_instagram.json"))
    assert isinstance(first, Interaction)
    assert (first.network, first.kind, first.target_post, first.own_post) == (
        Network.INSTAGRAM,
        Kind.COMMENT,
        "instagram#17895695668004550",
        "instagram#17865799348089039",
    )
    assert first.target_author_id == "17841400000000001"
    assert second.actor_id == "17841400000000888"  # the flat field/value form


def test_another_object_is_acknowledged_and_ignored_unread() -> None:
    # Meta's own sample notification, a User webhook's photos field:
    # https://developers.facebook.com/docs/graph-api/webhooks ("Sample Notification").
    read = SOURCE.read(payload("meta_user_object.json"), NOW)
    assert (read.messages, dict(read.ignored)) == ([], {"object_user": 1})
    odd = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [1]}]}
    ignored = SOURCE.read(json.dumps(odd).encode(), NOW).ignored
    assert ignored == {"object_whatsapp_business_account": 1}
    # An object no reference documents is not named: a reason never repeats the delivery.
    other = json.dumps(odd | {"object": "Zanzibar"}).encode()
    assert SOURCE.read(other, NOW).ignored == {"object_other": 1}


def test_an_invalid_change_is_located_where_the_sender_put_it() -> None:
    body = {"object": "page", "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": {}}]}]}
    with pytest.raises(ValidationError) as err:
        messages(body)
    assert ("entry", 0, "changes", 0, "value", "item") in [e["loc"] for e in err.value.errors()]


@pytest.mark.parametrize("time", [1e20, -1e20, 10**30])
def test_a_time_out_of_any_calendar_is_a_validation_error_not_a_crash(time: float) -> None:
    # Found by the API fuzzer: datetime.fromtimestamp raised OverflowError, a 500.
    with pytest.raises(ValidationError) as err:
        messages({"object": "page", "entry": [{"id": PAGE, "time": time, "changes": []}]})
    assert err.value.errors()[0]["loc"] == ("entry", 0, "time")


def test_the_page_s_own_reply_to_a_comment_answers_it_and_earns_nothing() -> None:
    body = json.loads(payload("meta_page_feed.json"))
    comment = messages(body)[1]
    reply = body["entry"][0]["changes"][1]["value"]
    reply |= {
        "parent_id": reply["comment_id"],  # a reply to Pat's comment
        "comment_id": "778899001122334_2233445566778899",
        "from": {"id": PAGE, "name": "Acme"},
    }
    (answered,) = [m for m in messages(body) if isinstance(m, Answered)]
    assert answered.post == comment.own_post  # the comment that leaves the engage-now queue
    assert answered.event_id == "778899001122334_2233445566778899"
    top_level = body["entry"][0]["changes"][1]["value"] | {"parent_id": reply["post_id"]}
    body["entry"][0]["changes"][1]["value"] = top_level  # the page commenting on its own post
    assert not [m for m in messages(body) if isinstance(m, Answered)]


def test_the_instagram_account_s_own_reply_answers_the_comment() -> None:
    body = json.loads(payload("meta_instagram.json"))
    first = messages(body)[0]
    reply = {
        "field": "comments",
        "value": {
            "from": {"id": "17841400000000001", "username": "acme"},
            "media": {"id": "17895695668004550"},
            "id": "17865799348089099",
            "parent_id": "17865799348089039",
            "text": "Sent you our price list",
        },
    }
    body["entry"][0]["changes"].append(reply)
    answered = [m for m in messages(body) if isinstance(m, Answered)]
    assert [a.post for a in answered] == [first.own_post]
