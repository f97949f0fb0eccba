"""Every source through the whole chain on the local runtime: the same act from the SMMS and X
counts once, retractions undo exactly their act in any order, deleted posts take their acts back,
Meta's posts are credited on the network's word, and a half-failed send answers 503."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from socialscore.aws import clients
from socialscore.domain.interaction import PostDeleted, identity_key
from socialscore.domain.messages import Seller
from socialscore.store.sellers import Sellers
from tests.integration.support import (
    POST_A,
    POSTS,
    SELLER_AUTHOR,
    SELLER_FOLLOWED,
    Stack,
    permalink,
    running,
    write_demo_dir,
)

X_SECRET = "x-consumer-secret"
META_SECRET = "meta-app-secret-1"
ACTOR = "7000000001"
RETWEET = "2100000000000000101"  # the actor's retweet of POST_A
PAGE = "104857600000001"
STORY = "778899001122334"
FB_POST = f"{PAGE}_{STORY}"  # the Graph API's id of the Page's post
FB_COMMENT = "778899001122334_1122334455667788"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    demo_dir = write_demo_dir(tmp_path / "demo")
    retweet = {
        "network": "x",
        "post_id": RETWEET,
        "author_id": ACTOR,
        "created_at": "2026-11-20T10:00:00Z",
        "referenced_post_id": POST_A,
    }
    (demo_dir / "posts.json").write_text(json.dumps([*POSTS, retweet]))
    with running(tmp_path / "work", demo_dir) as s:
        secrets = s.rt.client("secretsmanager")
        arn = s.rt.physical["WebhookSecrets"]["Ref"]
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        value["x"] = {"consumer_secrets": [X_SECRET]}
        value["meta"] = {"app_secrets": [META_SECRET], "verify_token": "tok"}
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        sellers = Sellers(s.rt.table("SellersTable"))
        sellers.register(identity_key("facebook", PAGE), Seller(seller_id="brand", team="mkt"))
        yield s


def x_post(stack: Stack, payload: dict[str, Any]) -> int:
    body = json.dumps({"for_user_id": SELLER_AUTHOR, **payload}).encode()
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}
    return stack.rt.request("POST", "/webhooks/x", headers, body).status


def meta_post(stack: Stack, changes: list[dict[str, Any]]) -> int:
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "changes": changes}]}).encode()
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return stack.rt.request(
        "POST", "/webhooks/meta", {"x-hub-signature-256": signature}, body
    ).status


def touches(stack: Stack, actor: str = ACTOR, network: str = "x") -> Decimal:
    item = stack.by_key("ScoresTable", "pk").get(f"profile#{network}#{actor}#organic", {})
    return Decimal(item.get("touches", 0))


def seller_points(stack: Stack, seller: str) -> Decimal:
    return sum(
        (
            i.get("organic_points", Decimal(0))
            for i in stack.scan("ScoresTable")
            if i["pk"].startswith(f"seller#{seller}#")
        ),
        Decimal(0),
    )


def retweet_event() -> dict[str, Any]:
    return {
        "tweet_create_events": [
            {
                "id_str": RETWEET,
                "created_at": "Fri Nov 20 10:00:00 +0000 2026",
                "user": {"id_str": ACTOR},
                "retweeted_status": {"id_str": POST_A, "user": {"id_str": SELLER_AUTHOR}},
            }
        ]
    }


def smms_share() -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": "sprout-42",
        "network": "x",
        "kind": "share",
        "actor_id": ACTOR,
        "target_permalink": permalink(POST_A),
        "interaction_permalink": f"https://x.com/someone/status/{RETWEET}",
        "occurred_at": "2026-11-20T10:00:00Z",
    }


def deleted(post: str, ms: int = 1795000000000) -> dict[str, Any]:
    return {"tweet_delete_events": [{"status": {"id": post}, "timestamp_ms": str(ms)}]}


def test_one_retweet_reported_by_the_smms_and_by_x_counts_once(stack: Stack) -> None:
    assert stack.webhook([smms_share()]).status == 202
    assert x_post(stack, retweet_event()) == 200
    stack.rt.drain()

    [entry] = [t for t in stack.scan("LedgerTable") if t["profile"] == f"x#{ACTOR}"]
    assert entry["kind"] == "share"
    assert touches(stack) == 1
    assert seller_points(stack, "s-ana") == 5  # the bundled model's organic share weight


def smms_facebook_like() -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": "sprout-43",
        "network": "facebook",
        "kind": "like",
        "actor_id": ACTOR,
        "target_permalink": f"https://www.facebook.com/{PAGE}/posts/{STORY}",
        "target_author_id": PAGE,  # the SMMS published the Page's post
        "occurred_at": "2026-11-18T09:00:00Z",
    }


@pytest.mark.parametrize("smms_first", [True, False], ids=["smms-first", "meta-first"])
def test_one_facebook_like_reported_by_the_smms_and_by_meta_counts_once(
    stack: Stack, smms_first: bool
) -> None:
    sends = [
        lambda: stack.webhook([smms_facebook_like()]).status == 202,
        lambda: meta_post(stack, [reaction("add", 1795000000)]) == 200,
    ]
    for sent in sends if smms_first else reversed(sends):
        assert sent()
        stack.rt.drain()

    [entry] = [t for t in stack.scan("LedgerTable") if t["profile"] == f"facebook#{ACTOR}"]
    assert entry["kind"] == "like"
    assert touches(stack, network="facebook") == 1
    assert seller_points(stack, "brand") == 1  # the bundled model's organic like weight


def test_deleting_the_retweet_takes_its_touch_back(stack: Stack) -> None:
    x_post(stack, retweet_event())
    stack.rt.drain()
    assert touches(stack) == 1

    assert x_post(stack, deleted(RETWEET)) == 200
    stack.rt.drain()
    assert touches(stack) == 0
    assert seller_points(stack, "s-ana") == 0
    assert f"x#{RETWEET}" not in stack.by_key("PostCacheTable", "post")


def test_a_retweet_arriving_after_its_deletion_never_counts(stack: Stack) -> None:
    x_post(stack, deleted(RETWEET))
    stack.rt.drain()
    stack.webhook([smms_share()])
    stack.rt.drain()
    assert touches(stack) == 0
    assert seller_points(stack, "s-ana") == 0


def follow(kind: str, ms: int) -> dict[str, Any]:
    return {
        "follow_events": [
            {
                "type": kind,
                "created_timestamp": str(ms),
                "target": {"id": SELLER_FOLLOWED},
                "source": {"id": ACTOR},
            }
        ]
    }


@pytest.mark.parametrize("unfollow_first", [False, True])
def test_an_unfollow_undoes_the_follow_in_either_order(stack: Stack, unfollow_first: bool) -> None:
    deliveries = [follow("follow", 1795000000000), follow("unfollow", 1795000060000)]
    for payload in reversed(deliveries) if unfollow_first else deliveries:
        assert x_post(stack, payload) == 200
        stack.rt.drain()
    assert touches(stack) == 0
    assert seller_points(stack, "s-ben") == 0

    assert x_post(stack, follow("follow", 1795000120000)) == 200  # following again counts
    stack.rt.drain()
    assert touches(stack) == 1
    assert seller_points(stack, "s-ben") == 2


def reaction(verb: str, at: int) -> dict[str, Any]:
    value = {
        "item": "reaction",
        "verb": verb,
        "reaction_type": "sorry",
        "post_id": FB_POST,
        "from": {"id": ACTOR},
        "created_time": at,
    }
    return {"field": "feed", "value": value}


def comment(verb: str, at: int) -> dict[str, Any]:
    value = {
        "item": "comment",
        "verb": verb,
        "post_id": FB_POST,
        "comment_id": FB_COMMENT,
        "message": "never stored",
        "from": {"id": ACTOR},
        "created_time": at,
    }
    return {"field": "feed", "value": value}


def test_meta_reactions_and_comments_credit_the_page_and_removals_take_them_back(
    stack: Stack,
) -> None:
    assert meta_post(stack, [reaction("add", 1795000000), comment("add", 1795000060)]) == 200
    stack.rt.drain()
    assert touches(stack, network="facebook") == 2
    assert seller_points(stack, "brand") == 1 + 4  # like + comment: credited on Meta's word
    assert "never stored" not in json.dumps(stack.scan("LedgerTable"), default=str)

    assert meta_post(stack, [reaction("remove", 1795000120), comment("remove", 1795000180)]) == 200
    stack.rt.drain()
    assert touches(stack, network="facebook") == 0
    assert seller_points(stack, "brand") == 0


def test_a_send_that_keeps_failing_answers_503_and_a_passing_fault_is_retried(
    stack: Stack,
) -> None:
    failures = {"left": 0}

    def refuse_first_entry(parsed: dict[str, Any], **_: Any) -> None:
        if failures["left"] and parsed.get("Successful"):
            failures["left"] -= 1
            first = parsed["Successful"].pop(0)
            parsed.setdefault("Failed", []).append(
                {"Id": first["Id"], "SenderFault": False, "Code": "InternalError", "Message": "x"}
            )

    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register(
        "after-call.sqs.SendMessageBatch", refuse_first_entry, unique_id="refuse-first"
    )
    try:
        clients.reset()  # new clients pick up the hook
        failures["left"] = 2  # the send and its retry
        answer = stack.webhook([smms_share()])
        assert answer.status == 503
        assert answer.json()["unsent"] == 1

        failures["left"] = 1  # only the first attempt: the retry inside ingest gets it through
        assert stack.webhook([smms_share()]).status == 202
    finally:
        boto3.DEFAULT_SESSION.events.unregister(
            "after-call.sqs.SendMessageBatch", unique_id="refuse-first"
        )
    stack.rt.drain()
    assert touches(stack) == 1  # whatever was sent twice counts once


def test_a_deletion_is_swept_again_a_minute_later_and_only_once(stack: Stack) -> None:
    x_post(stack, retweet_event())
    stack.rt.drain()
    x_post(stack, deleted(RETWEET))
    stack.rt.drain()
    sqs = stack.rt.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.rt.queue_url("ScoreQueue"), AttributeNames=["All"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"  # the second sweep, waiting

    # The second sweep, as it arrives a minute later: it finds nothing left to take back and
    # schedules no third.
    second = PostDeleted(
        source="x", post=f"x#{RETWEET}", occurred_at="2026-11-19T08:13:20Z", sweep=2
    )
    stack.send("ScoreQueue", [second])
    stack.rt.drain()
    assert touches(stack) == 0
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.rt.queue_url("ScoreQueue"), AttributeNames=["All"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"  # still only the first one


def erase_events(**whom: str) -> list[dict[str, Any]]:
    return [{"type": "erase", "id": "erase-1", "occurred_at": "2026-11-21T00:00:00Z", **whom}]


@pytest.mark.parametrize(
    "whom", [{"contact_id": "C-ERASE"}, {"network": "x", "network_user_id": ACTOR}], ids=str
)
def test_an_erasure_removes_the_person_and_their_share_of_every_aggregate(
    stack: Stack, whom: dict[str, str]
) -> None:
    other = {**smms_share(), "id": "other", "actor_id": "7000000002", "interaction_permalink": None}
    identify = {
        "type": "identify",
        "id": "id-1",
        "network": "x",
        "network_user_id": ACTOR,
        "contact_id": "C-ERASE",
        "consent_basis": "opt_in",
        "occurred_at": "2026-11-20T09:00:00Z",
    }
    stack.webhook([identify, smms_share(), other])
    stack.rt.drain()
    assert touches(stack) == 1
    assert seller_points(stack, "s-ana") == 10  # two shares of POST_A

    for _ in range(2):  # the second erasure finds nothing left: idempotent
        assert stack.webhook(erase_events(**whom)).status == 202
        stack.rt.drain()
        assert [t for t in stack.scan("LedgerTable") if t["profile"] == f"x#{ACTOR}"] == []
        scores = stack.by_key("ScoresTable", "pk")
        assert not [pk for pk in scores if pk.startswith(f"profile#x#{ACTOR}#")]
        assert f"x#{ACTOR}" not in stack.by_key("IdentitiesTable", "identity")
        assert seller_points(stack, "s-ana") == 5  # only the other person's share is left
        assert touches(stack, "7000000002") == 1
