"""The platforms' documented sample payloads, each through the HTTP route, signed as the
platform signs, against what the README says becomes of it: the kind, the points and the
credited seller of what is scored, or that it is acknowledged and ignored, and why.

One local runtime serves the whole module (samples/ names each file's source address and what,
if anything, was adapted to make its act land on a registered account).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from socialscore.domain.interaction import Kind
from socialscore.sources.signatures import sign
from tests.contracts.world import (
    CRC,
    SMMS_EXAMPLE,
    VECTOR,
    World,
    build,
    every_sample,
    sample,
    seed,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    rt, demo_dir = build(tmp_path_factory.mktemp("contracts"))
    with rt:
        yield seed(rt, demo_dir)


# --- what the README says becomes of each sample -----------------------------------------
@dataclass(frozen=True)
class Scored:
    """Accepted, and after the pipeline ran, a touch of this profile: kind, points, seller."""

    profile: str
    kind: Kind
    points: float
    seller: str


@dataclass(frozen=True)
class Ignored:
    """Acknowledged (200), nothing queued, and the ingest log names why (never the input)."""

    reason: str  # a word of the logged reason


@dataclass(frozen=True)
class Notice:
    """Accepted as that many notices (a deleted post), which score nothing themselves."""

    accepted: int


Outcome = Scored | Ignored | Notice

XAA_ACTOR = "x#2222222222222222222"  # the X Activity API examples' other user
LI_MEMBER = "linkedin#urn:li:person:9x8Y7z6W5v"  # the member of the LinkedIn samples
OWN = Ignored("subscribed_account")  # README: the subscribed account's own tweets earn nothing
# README: an act by the brand (or a registered seller) account is nobody's touch.
BRAND_ACT = Ignored("subscribed_account")
NOT_AN_ACT = Ignored("event")  # README: other X Activity API events are acknowledged and ignored

EXPECTED: dict[str, Outcome] = {
    # X Account Activity API (README "X"): the subscribed account is the brand, 2244994945.
    "x_account_activity/favorite_events": Scored("x#6253282", Kind.LIKE, 1, "brand-x"),
    "x_account_activity/follow_events": Scored("x#6253282", Kind.FOLLOW, 2, "brand-x"),
    "x_account_activity/tweet_create_longform_mention": Scored(
        "x#1603419180975409153", Kind.MENTION, 3, "s-xai"
    ),
    "x_account_activity/tweet_create_quote_own": OWN,
    "x_account_activity/tweet_create_self_reply": OWN,
    "x_account_activity/tweet_create_retweet_by_brand": BRAND_ACT,
    "x_account_activity/tweet_delete_events": Notice(1),
    "x_account_activity/user_event_revoke": Ignored("revoke"),
    "x_account_activity/replay_job_status_complete": Ignored("replay"),
    "x_account_activity/replay_job_status_incomplete": Ignored("replay"),
    # X Activity API (README "X"): the filtered user is the brand, 1111111111111111111.
    "x_activity_api/post_create": OWN,
    "x_activity_api/post_delete": Notice(1),
    "x_activity_api/post_mention_create": Scored(XAA_ACTOR, Kind.MENTION, 3, "brand-xaa"),
    "x_activity_api/post_reply_create": Scored(XAA_ACTOR, Kind.COMMENT, 4, "brand-xaa"),
    "x_activity_api/post_quote_create": Scored(XAA_ACTOR, Kind.QUOTE, 6, "brand-xaa"),
    "x_activity_api/post_repost_create": Scored(XAA_ACTOR, Kind.SHARE, 5, "brand-xaa"),
    "x_activity_api/like_create": BRAND_ACT,  # direction outbound: the brand likes a post
    "x_activity_api/follow_follow": BRAND_ACT,  # the brand follows someone
    "x_activity_api/follow_unfollow": BRAND_ACT,
    "x_activity_api/oauth_revoke": Ignored("revoke"),
    **{
        f"x_activity_api/{event}": NOT_AN_ACT
        for event in (
            "broadcast_chat",
            "broadcast_end",
            "broadcast_start",
            "chat_received",
            "chat_sent",
            "dm_received",
            "dm_sent",
            "news_new",
            "profile_update_banner_picture",
            "profile_update_bio",
            "profile_update_geo",
            "profile_update_profile_picture",
            "profile_update_screenname",
            "profile_update_url",
            "spaces_end",
            "spaces_start",
        )
    },
    # Meta (README "Meta"): the Page 436913053309741 and the Instagram account 17841405726653026.
    "meta/page_feed_reaction_on_comment_restfb_741": Ignored("comment"),
    "meta/page_feed_status_dashboard_test": Ignored("status"),  # the Page's own status post
    "meta/page_mention_dashboard_test": Ignored("field"),
    "meta/page_ratings_reaction_restfb_694": Ignored("field"),
    "meta/user_photos_sample_notification": Ignored("object"),
    "meta/messenger_message_reads": Ignored("messaging"),
    "meta/instagram_comments": Scored("instagram#1234567890", Kind.COMMENT, 4, "brand-ig"),
    "meta/instagram_live_comments": Scored("instagram#1234567890", Kind.COMMENT, 4, "brand-ig"),
    "meta/instagram_mentions_comment": Ignored("mention"),
    "meta/instagram_mentions_caption": Ignored("mention"),
    "meta/instagram_story_insights": Ignored("field"),
    # LinkedIn (README "LinkedIn (Company Pages)"): the Page urn:li:organization:5515715;
    # organic weights times LinkedIn's 1.5, the comment's "pricing" earning the intent bonus.
    "linkedin/like": Scored(LI_MEMBER, Kind.LIKE, 1.5, "brand-li"),
    "linkedin/comment": Scored(LI_MEMBER, Kind.COMMENT, 16, "brand-li"),
    "linkedin/share": Scored(LI_MEMBER, Kind.SHARE, 7.5, "brand-li"),
    "linkedin/share_mention": Scored(LI_MEMBER, Kind.MENTION, 4.5, "brand-li"),
    "linkedin/admin_comment": Ignored("own_activity"),
}
# Samples asserted by their own tests below, not by one POST each.
OWN_TESTS = {
    "x_account_activity/unfollow_events",
    "linkedin/comment_delete",
    "x_webhooks/crc",
    "standard_webhooks/sign_vector",
    "standard_webhooks/spec_example_payload",
} | {name for name in every_sample() if name.startswith("marketo/")}  # test_marketo_samples


def test_every_sample_has_a_stated_outcome() -> None:
    assert set(every_sample()) == set(EXPECTED) | OWN_TESTS


def test_every_sample_names_its_source() -> None:
    for name in every_sample():
        loaded = sample(name)
        assert loaded["source"].startswith("https://"), name
        assert loaded["adapted"], name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample(world: World, name: str) -> None:
    expected = EXPECTED[name]
    world.new_log_lines()
    before = len(world.every_touch())
    answer = world.post(name)
    assert answer.status == 200, answer.body
    world.rt.drain()
    lines = world.new_log_lines()
    if isinstance(expected, Ignored):
        assert len(world.every_touch()) == before  # nothing scored, wherever it was dropped
        reasons = [r for line in lines for r in _reasons(line)]
        assert [r for r in reasons if expected.reason in r], f"not logged why: {reasons}"
        # The reason, never the input: no line holds a string the delivery carried.
        assert not [line for line in lines if any(s in line for s in _texts(name))]
        return
    if isinstance(expected, Notice):
        assert answer.json() == {"accepted": expected.accepted}
        assert len(world.every_touch()) == before
        return
    assert answer.json() == {"accepted": 1}
    touches = [t for t in world.touches(expected.profile) if t.kind is expected.kind]
    assert [(t.weight, t.seller_id) for t in touches] == [(expected.points, expected.seller)]


def _reasons(line: str) -> list[str]:
    """What a JSON log line gives as a reason: the values (and, for counters by reason, the
    keys) under any key naming a reason or what was ignored."""
    try:
        record = json.loads(line)
    except ValueError:
        return []
    found: list[str] = []

    def walk(value: object, under_reason: bool) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                named = under_reason or "reason" in k or "ignored" in k
                if named and under_reason:
                    found.append(str(k).lower())
                walk(v, named)
        elif isinstance(value, list):
            for v in value:
                walk(v, under_reason)
        elif under_reason and isinstance(value, str):
            found.append(value.lower())

    walk(record, False)
    return found


def _texts(name: str) -> list[str]:
    """The delivery's longer free strings (texts, names, handles): none may reach a log."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and " " in value:
            found.append(value)

    walk(sample(name)["body"])
    return found


def test_an_unfollow_takes_back_the_follow(world: World) -> None:
    """README: follow_events `unfollow` is the retraction of that follow."""
    assert world.post("x_account_activity/follow_events").json() == {"accepted": 1}
    assert world.post("x_account_activity/unfollow_events").json() == {"accepted": 1}
    world.rt.drain()
    assert [t for t in world.touches("x#6253282") if t.kind is Kind.FOLLOW] == []


def test_a_deleted_linkedin_comment_takes_back_the_comment(world: World) -> None:
    """README: COMMENT_DELETE takes the comment's touch back, whichever URN spelling it uses."""
    assert world.post("linkedin/comment").json() == {"accepted": 1}
    world.rt.drain()
    assert [t for t in world.touches(LI_MEMBER) if t.kind is Kind.COMMENT] != []
    assert world.post("linkedin/comment_delete").json() == {"accepted": 1}
    world.rt.drain()
    assert [t for t in world.touches(LI_MEMBER) if t.kind is Kind.COMMENT] == []


def test_the_crc_answer_is_x_documented_response_token(world: World) -> None:
    """X's CRC example token, answered with the consumer secret as its recipe says."""
    answer = world.rt.request("GET", "/webhooks/x", query=f"crc_token={CRC['crc_token']}")
    assert (answer.status, answer.json()) == (200, {"response_token": CRC["response_token"]})


def test_the_standard_webhooks_vector_signs_as_the_spec_libraries_do() -> None:
    stamp = VECTOR["timestamp"]
    payload = VECTOR["payload"].encode()
    assert sign(VECTOR["secret"], VECTOR["msg_id"], stamp, payload) == VECTOR["signature"]


def test_the_vector_itself_is_refused_as_stale(world: World) -> None:
    """README: webhook-timestamp outside ±5 minutes is a 401, queueing nothing."""
    headers = {
        "webhook-id": VECTOR["msg_id"],
        "webhook-timestamp": str(VECTOR["timestamp"]),
        "webhook-signature": VECTOR["signature"],
    }
    answer = world.rt.request("POST", "/webhooks/smms", headers, VECTOR["payload"].encode())
    assert answer.status == 401


def test_the_vector_payload_signed_now_is_a_400_naming_events(world: World) -> None:
    """Signed by the reference package with the vector's secret (live beside the generated
    one), its payload is no SMMS body: 400 naming the field at fault."""
    answer = world.smms(VECTOR["payload"].encode(), secret=VECTOR["secret"])
    assert answer.status == 400
    assert [f["field"] for f in answer.json()["fields"]] == ["events"]


def test_the_vectors_tampered_signature_is_a_401(world: World) -> None:
    now = str(int(datetime.now(UTC).timestamp()))
    headers = {
        "webhook-id": VECTOR["msg_id"],
        "webhook-timestamp": now,
        "webhook-signature": VECTOR["invalid_signature"],
    }
    answer = world.rt.request("POST", "/webhooks/smms", headers, VECTOR["payload"].encode())
    assert answer.status == 401


def test_the_spec_example_payload_is_a_400_naming_events(world: World) -> None:
    body = json.dumps(sample("standard_webhooks/spec_example_payload")["body"]).encode()
    answer = world.smms(body)
    assert answer.status == 400
    assert [f["field"] for f in answer.json()["fields"]] == ["events"]


def test_the_smms_example_signed_by_the_reference_package_among_bogus_signatures(
    world: World,
) -> None:
    """The SMMS contract's own example (schema/), signed by the reference package and offered
    among the vector's bogus signatures (README: several signatures allowed): every event is
    accepted, and its like is scored as README's SMMS table says."""
    body = SMMS_EXAMPLE.read_bytes()
    events = json.loads(body)["events"]
    answer = world.smms(body, bogus=tuple(VECTOR["bogus_signatures"]))
    assert (answer.status, answer.json()) == (202, {"accepted": len(events)})
    world.rt.drain()
    like = events[0]
    likes = [t for t in world.touches(f"x#{like['actor_id']}") if t.kind is Kind.LIKE]
    assert [(t.weight, t.seller_id) for t in likes] == [(1, "s-smms")]
