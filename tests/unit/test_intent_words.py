"""Only the actor's own words earn the intent bonus: a reply, a mention, a quote's added text.

X gives a retweet's text as `RT @brand: <the brand's text>`, and a quote's target is the brand's
own post: neither may turn the brand's words into the sharer's intent. The same world runs
through both providers that read posts, the fixture file and the X API (its stub on 127.0.0.1),
and the interactions go through rehydrate, resolve and score to the ledger, each stage's use case
on the memory fakes (tests/unit/score_world.py). Moved from tests/integration/
test_intent_words.py (on moto).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.interaction import Kind
from socialscore.domain.messages import RehydrateMessage
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.fixture import FixtureProvider
from socialscore.providers.x_api import XApiProvider
from socialscore_local.memory.post_cache import MemoryPostCache
from tests.integration.support import POSTS, SELLER_AUTHOR, interaction
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.score_world import ScoreWorld

BRAND_POST = "2400000000000000001"  # s-ana's, and it says two keywords
RETWEET = "2400000000000000002"
QUOTE_PLAIN = "2400000000000000003"  # a quote whose own words say no keyword
QUOTE_ASKING = "2400000000000000004"
REPLY = "2400000000000000005"
BRAND_TEXT = "Book a demo today: pricing for every team size"
# (post id, author, text, what it refers to: (kind, post id))
WORLD = [
    (BRAND_POST, SELLER_AUTHOR, BRAND_TEXT, None),
    (RETWEET, "5001", f"RT @acme: {BRAND_TEXT}", ("retweeted", BRAND_POST)),
    (QUOTE_PLAIN, "5002", "Worth a read https://t.co/AbC123xyz", ("quoted", BRAND_POST)),
    (
        QUOTE_ASKING,
        "5003",
        "On our shortlist for Q1 https://t.co/AbC123xyz",
        ("quoted", BRAND_POST),
    ),
    (REPLY, "5004", "We are evaluating vendors for this", ("replied_to", BRAND_POST)),
]
CREATED = "2026-10-01T14:00:00Z"


@dataclass
class World:
    stages: ScoreWorld
    rehydrator: Rehydrator
    x: XApiStub | None  # None: the fixture provider

    def deliver(self, messages: Sequence[RehydrateMessage]) -> None:
        self.stages.deliver(messages, self.rehydrator)

    def ledger(self) -> dict[str, dict[str, Any]]:
        """The ledger's touches by actor."""
        return {t["profile"].split("#", 1)[1]: t for t in self.stages.entries().values()}


def fixture_posts() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for post_id, author, text, ref in WORLD:
        raw = {"network": "x", "post_id": post_id, "author_id": author, "created_at": CREATED}
        out.append(raw | {"text": text} | ({"referenced_post_id": ref[1]} if ref else {}))
    return out


def stub_posts() -> dict[str, dict[str, Any]]:
    return {
        post_id: post(author, text=text, **({ref[0]: ref[1]} if ref else {}))
        for post_id, author, text, ref in WORLD
    }


@pytest.fixture(params=["fixture", "x"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "fixture":
        posts = tmp_path / "posts.json"
        posts.write_text(json.dumps([*POSTS, *fixture_posts()]))
        yield World(ScoreWorld(), Rehydrator(MemoryPostCache(), FixtureProvider(posts)), None)
        return
    with XApiStub(posts=stub_posts()) as x:
        provider = XApiProvider(lambda refresh: x.token, x.url)
        yield World(ScoreWorld(), Rehydrator(MemoryPostCache(), provider), x)


def test_a_retweet_of_a_post_that_says_a_keyword_earns_no_intent_and_a_reply_does(
    world: World,
) -> None:
    world.deliver(
        [
            interaction(1, kind=Kind.SHARE, actor="u-share", post=BRAND_POST, own_post=RETWEET),
            interaction(2, kind=Kind.COMMENT, actor="u-reply", post=BRAND_POST, own_post=REPLY),
        ],
    )

    touches = world.ledger()
    assert (touches["u-share"]["intent_hits"], touches["u-share"]["weight"]) == ([], 5)
    assert touches["u-reply"]["intent_hits"] == ["evaluating vendors"]
    assert touches["u-reply"]["weight"] == 4 + 10  # a comment and the intent bonus
    assert {t["seller_id"] for t in touches.values()} == {"s-ana"}
    if world.x is not None:  # nothing to read in a share: its post is never asked for
        assert not any(RETWEET in ids for ids in world.x.requests)


def test_a_quote_earns_intent_only_from_the_quoter_s_own_words(world: World) -> None:
    world.deliver(
        [
            interaction(1, kind=Kind.QUOTE, actor="u-plain", post=BRAND_POST, own_post=QUOTE_PLAIN),
            interaction(2, kind=Kind.QUOTE, actor="u-ask", post=BRAND_POST, own_post=QUOTE_ASKING),
        ],
    )

    touches = world.ledger()
    assert (touches["u-plain"]["intent_hits"], touches["u-plain"]["weight"]) == ([], 6)
    assert (touches["u-ask"]["intent_hits"], touches["u-ask"]["weight"]) == (["shortlist"], 16)
