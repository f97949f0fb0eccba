"""The influencer bucket's `followers`, in memory through rehydrate, resolve and score's use
cases (tests/unit/score_world.py) with the X provider over HTTP to its stub on 127.0.0.1: the
follower count X gives with the act's own post (`includes.users`, the same lookup call) reaches
the ledger as a number, and the bucket rules read it from there. Moved from tests/integration/
test_influencer_followers.py (on moto)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialscore.domain.buckets import buckets, facts
from socialscore.domain.interaction import Kind
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.x_api import XApiProvider
from socialscore.store.ledger_items import entry_of
from socialscore_local.memory.post_cache import MemoryPostCache
from tests.integration.support import SELLER_AUTHOR, interaction, utc
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.score_world import ScoreWorld

BRAND_POST = "2500000000000000001"  # s-ana's
BIG_QUOTE = "2500000000000000002"
SMALL_QUOTE = "2500000000000000003"
BIG, SMALL, HIDDEN = "6001", "6002", "6003"  # the quoters' X user ids
HIDDEN_QUOTE = "2500000000000000004"  # by a user X will not show (suspended): no count
AS_OF = utc("2026-11-02T12:00:00Z")


@pytest.fixture
def world() -> Iterator[tuple[ScoreWorld, Rehydrator, XApiStub]]:
    posts = {
        BRAND_POST: post(SELLER_AUTHOR, text="Launch day"),
        BIG_QUOTE: post(BIG, text="Worth a look", quoted=BRAND_POST),
        SMALL_QUOTE: post(SMALL, text="Nice", quoted=BRAND_POST),
        HIDDEN_QUOTE: post(HIDDEN, text="Hm", quoted=BRAND_POST),
    }
    followers = {SELLER_AUTHOR: 90_000, BIG: 20_000, SMALL: 500}
    with XApiStub(posts=posts, followers=followers) as x:
        provider = XApiProvider(lambda refresh: x.token, x.url)
        yield ScoreWorld(), Rehydrator(MemoryPostCache(), provider), x


def touches(stages: ScoreWorld) -> dict[str, Touch]:
    """The ledger's touches by actor."""
    entries = [entry_of(r) for r in stages.entries().values()]
    return {e.touch.profile.split("#", 1)[1]: e.touch for e in entries if e.touch is not None}


def test_a_quote_by_an_account_with_a_large_audience_makes_its_profile_an_influencer(
    world: tuple[ScoreWorld, Rehydrator, XApiStub],
) -> None:
    stages, rehydrator, x = world
    stages.deliver(
        [
            interaction(1, kind=Kind.QUOTE, actor=BIG, post=BRAND_POST, own_post=BIG_QUOTE),
            interaction(2, kind=Kind.QUOTE, actor=SMALL, post=BRAND_POST, own_post=SMALL_QUOTE),
            interaction(3, kind=Kind.QUOTE, actor=HIDDEN, post=BRAND_POST, own_post=HIDDEN_QUOTE),
        ],
        rehydrator,
    )

    # One lookup for all four posts, authors and their counts included: no call of its own.
    assert x.calls == 1
    assert sorted(x.requests[0]) == [BRAND_POST, BIG_QUOTE, SMALL_QUOTE, HIDDEN_QUOTE]
    mine = touches(stages)
    assert {a: t.actor_followers for a, t in mine.items()} == {
        BIG: 20_000,
        SMALL: 500,
        HIDDEN: None,  # X left the suspended user out: unknown, not zero
    }
    assert {t.seller_id for t in mine.values()} == {"s-ana"}  # the seller's count stays behind
    items = {r["profile"].split("#", 1)[1]: r for r in stages.entries().values()}
    assert items[BIG]["actor_followers"] == 20_000  # a number, and nothing else about the user
    assert "actor_followers" not in items[HIDDEN]
    model = bundled()
    of = {a: buckets(model, facts([t], 1.0, 0.0, AS_OF)) for a, t in mine.items()}
    assert of == {BIG: ["influencer"], SMALL: ["prospect"], HIDDEN: ["prospect"]}
