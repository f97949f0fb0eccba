"""Every source through the whole chain, in memory (chain_world: ingest, then the rehydrate,
resolve and score Lambdas' own handlers on fakes): the same act from the SMMS and X (or Meta)
counts once, retractions undo exactly their act in any order, deleted posts take their acts
back (swept again a minute later, once), Meta's posts are credited on the network's word, an
erasure removes the person.

On moto (tests/integration/test_webhook_sources.py): a send SQS half refuses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.interaction import PostDeleted, identity_key
from socialscore.domain.messages import Seller
from socialscore.domain.post import PostRef
from socialscore_local import webhooks
from tests.integration.support import POST_A, POSTS, SELLER_AUTHOR, SELLER_FOLLOWED, permalink
from tests.unit.chain_world import Chain, clear_metrics

X_SECRET = "x-consumer-secret"
META_SECRET = "meta-app-secret-1"
ACTOR = "7000000001"
RETWEET = "2100000000000000101"  # the actor's retweet of POST_A
PAGE = "104857600000001"
STORY = "778899001122334"
FB_POST = f"{PAGE}_{STORY}"  # the Graph API's id of the Page's post
FB_COMMENT = "778899001122334_1122334455667788"


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    """The integration world, its posts with the actor's retweet, the X and Meta secrets set
    beside the SMMS one, the Facebook Page registered as the brand's."""
    retweet = {
        "network": "x",
        "post_id": RETWEET,
        "author_id": ACTOR,
        "created_at": "2026-11-20T10:00:00Z",
        "referenced_post_id": POST_A,
    }
    posts = tmp_path / "posts.json"
    posts.write_text(json.dumps([*POSTS, retweet]))
    secrets = {
        "smms": [webhooks.new_secret()],
        "x": {"consumer_secrets": [X_SECRET]},
        "meta": {"app_secrets": [META_SECRET], "verify_token": "tok"},
    }
    chain = Chain(posts, secrets)
    brand = Seller(seller_id="brand", team="mkt")
    chain.score.sellers.register(identity_key("facebook", PAGE), brand)
    yield chain
    clear_metrics()


def x_post(chain: Chain, payload: dict[str, Any]) -> int:
    body = json.dumps({"for_user_id": SELLER_AUTHOR, **payload}).encode()
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}
    return chain.post("x", headers, body).status


def meta_post(chain: Chain, changes: list[dict[str, Any]]) -> int:
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "changes": changes}]}).encode()
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return chain.post("meta", {"x-hub-signature-256": signature}, body).status


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


def test_a_deletion_is_swept_again_a_minute_later_and_only_once(chain: Chain) -> None:
    x_post(chain, retweet_event())
    chain.drain()
    x_post(chain, deleted(RETWEET))
    chain.drain()
    assert chain.inboxes["score"].delayed == 1  # the second sweep, waiting

    # The second sweep, as it arrives a minute later: it finds nothing left to take back and
    # schedules no third.
    second = PostDeleted(
        source="x", post=f"x#{RETWEET}", occurred_at="2026-11-19T08:13:20Z", sweep=2
    )
    chain.score_queue.send([("sweep-2", second.model_dump_json())])
    chain.drain()
    assert chain.touches(f"x#{ACTOR}") == 0
    assert chain.inboxes["score"].delayed == 1  # still only the first one


def erase_events(**whom: str) -> list[dict[str, Any]]:
    return [{"type": "erase", "id": "erase-1", "occurred_at": "2026-11-21T00:00:00Z", **whom}]


def test_one_retweet_reported_by_the_smms_and_by_x_counts_once(chain: Chain) -> None:
    assert chain.smms([smms_share()]).status == 202
    assert x_post(chain, retweet_event()) == 200
    chain.drain()

    [entry] = chain.entries_of(f"x#{ACTOR}")
    assert entry["kind"] == "share"
    assert chain.touches(f"x#{ACTOR}") == 1
    assert chain.seller_points("s-ana") == 5  # the bundled model's organic share weight


@pytest.mark.parametrize("smms_first", [True, False], ids=["smms-first", "meta-first"])
def test_one_facebook_like_reported_by_the_smms_and_by_meta_counts_once(
    chain: Chain, smms_first: bool
) -> None:
    sends: list[Callable[[], bool]] = [
        lambda: chain.smms([smms_facebook_like()]).status == 202,
        lambda: meta_post(chain, [reaction("add", 1795000000)]) == 200,
    ]
    for sent in sends if smms_first else reversed(sends):
        assert sent()
        chain.drain()

    [entry] = chain.entries_of(f"facebook#{ACTOR}")
    assert entry["kind"] == "like"
    assert chain.touches(f"facebook#{ACTOR}") == 1
    assert chain.seller_points("brand") == 1  # the bundled model's organic like weight


def test_deleting_the_retweet_takes_its_touch_back(chain: Chain) -> None:
    x_post(chain, retweet_event())
    chain.drain()
    assert chain.touches(f"x#{ACTOR}") == 1

    assert x_post(chain, deleted(RETWEET)) == 200
    chain.drain()
    assert chain.touches(f"x#{ACTOR}") == 0
    assert chain.seller_points("s-ana") == 0
    assert PostRef.from_key(f"x#{RETWEET}") not in chain.cache.items


def test_a_retweet_arriving_after_its_deletion_never_counts(chain: Chain) -> None:
    x_post(chain, deleted(RETWEET))
    chain.drain()
    chain.smms([smms_share()])
    chain.drain()
    assert chain.touches(f"x#{ACTOR}") == 0
    assert chain.seller_points("s-ana") == 0


@pytest.mark.parametrize("unfollow_first", [False, True])
def test_an_unfollow_undoes_the_follow_in_either_order(chain: Chain, unfollow_first: bool) -> None:
    deliveries = [follow("follow", 1795000000000), follow("unfollow", 1795000060000)]
    for payload in reversed(deliveries) if unfollow_first else deliveries:
        assert x_post(chain, payload) == 200
        chain.drain()
    assert chain.touches(f"x#{ACTOR}") == 0
    assert chain.seller_points("s-ben") == 0

    assert x_post(chain, follow("follow", 1795000120000)) == 200  # following again counts
    chain.drain()
    assert chain.touches(f"x#{ACTOR}") == 1
    assert chain.seller_points("s-ben") == 2


def test_meta_reactions_and_comments_credit_the_page_and_removals_take_them_back(
    chain: Chain,
) -> None:
    assert meta_post(chain, [reaction("add", 1795000000), comment("add", 1795000060)]) == 200
    chain.drain()
    assert chain.touches(f"facebook#{ACTOR}") == 2
    assert chain.seller_points("brand") == 1 + 4  # like + comment: credited on Meta's word
    assert "never stored" not in json.dumps(list(chain.score.ledger.items.values()), default=str)

    assert meta_post(chain, [reaction("remove", 1795000120), comment("remove", 1795000180)]) == 200
    chain.drain()
    assert chain.touches(f"facebook#{ACTOR}") == 0
    assert chain.seller_points("brand") == 0


@pytest.mark.parametrize(
    "whom", [{"contact_id": "C-ERASE"}, {"network": "x", "network_user_id": ACTOR}], ids=str
)
def test_an_erasure_removes_the_person_and_their_share_of_every_aggregate(
    chain: Chain, whom: dict[str, str]
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
    chain.smms([identify, smms_share(), other])
    chain.drain()
    assert chain.touches(f"x#{ACTOR}") == 1
    assert chain.seller_points("s-ana") == 10  # two shares of POST_A

    for _ in range(2):  # the second erasure finds nothing left: idempotent
        assert chain.smms(erase_events(**whom)).status == 202
        chain.drain()
        assert chain.entries_of(f"x#{ACTOR}") == []
        items = chain.score.scores.items
        assert [k for k in items if getattr(k, "profile", None) == f"x#{ACTOR}"] == []
        assert f"x#{ACTOR}" not in chain.score.links.items
        assert chain.seller_points("s-ana") == 5  # only the other person's share is left
        assert chain.touches("x#7000000002") == 1
