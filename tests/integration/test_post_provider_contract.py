"""X's post lookup faked in memory (socialscore_local.memory.posts) answers as XApiProvider does
from the X API (its stub on 127.0.0.1): the same world of posts gives the same answers, in calls
of at most 100 ids, and the same stops (a spent rate limit until its reset, server errors past
the retries), each keeping what was answered before. rehydrate's rules with X are proven on the
fake (tests/unit/test_rehydrate_x_rules.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pytest

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.pipeline.ports import PostProvider
from socialscore.providers.base import Lookup, ProviderRateLimited, ProviderUnavailable
from socialscore.providers.x_api import XApiProvider
from socialscore_local.memory.posts import MemoryPosts
from tests.stubs.x_api_stub import XApiStub, post

AT = "2026-10-01T14:00:00Z"
POSTS = {  # post id -> (author, text, followers of the author or None)
    "2400000000000000001": ("1001", "Launch day", 52_000),
    "2400000000000000002": ("2002", "We are evaluating vendors", None),  # author suspended
}
PROTECTED = "2400000000000000003"
UNKNOWN = "2400000000000000004"
MANY = [str(2_500_000_000_000_000_000 + n) for n in range(250)]


class World(Protocol):
    @property
    def provider(self) -> PostProvider: ...

    @property
    def requests(self) -> list[list[str]]: ...

    @property
    def reset_at(self) -> int: ...

    def outage(self) -> None:
        """The next call fails past the provider's retries."""
        ...


@dataclass
class Stubbed:
    stub: XApiStub
    provider: XApiProvider

    @property
    def requests(self) -> list[list[str]]:
        return [sorted(ids) for ids in self.stub.requests]

    @property
    def reset_at(self) -> int:
        return self.stub.reset_at

    def outage(self) -> None:
        self.stub.fail_next(503, times=3)  # the provider's three attempts


class Faked(MemoryPosts):
    @property
    def provider(self) -> PostProvider:
        return self

    def outage(self) -> None:
        self.fail_next()


@pytest.fixture(params=["fake", "stub"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "fake":
        fake = Faked()
        for post_id, (author, text, followers) in POSTS.items():
            facts = PostFacts(network=Network.X, post_id=post_id, author_id=author, created_at=AT)
            fake.add(facts, text)
            if followers is not None:
                fake.followers[author] = followers
        fake.add(PostFacts(network=Network.X, post_id=PROTECTED, author_id="4004", created_at=AT))
        fake.protected.add(PROTECTED)
        for post_id in MANY:
            fake.add(PostFacts(network=Network.X, post_id=post_id, author_id="1001"))
        yield fake
        return
    posts = {i: post(author, text=text, created_at=AT) for i, (author, text, _) in POSTS.items()}
    posts |= {PROTECTED: post("4004", created_at=AT)}
    posts |= {i: post("1001", created_at=AT) for i in MANY}
    counts = {author: n for author, _, n in POSTS.values() if n is not None}
    with XApiStub(posts=posts, protected={PROTECTED}, followers=counts) as stub:
        provider = XApiProvider(lambda refresh: stub.token, stub.url, sleep=lambda s: None)
        yield Stubbed(stub, provider)


def x(post_id: str) -> PostRef:
    return PostRef(Network.X, post_id)


def test_the_same_world_gives_the_same_answers(world: World) -> None:
    asked = [x(i) for i in [*POSTS, PROTECTED, UNKNOWN, "12ab"]] + [PostRef(Network.LINKEDIN, "7")]

    got = world.provider.lookup(asked)

    first, second = (got[x(i)] for i in POSTS)
    assert first.facts == PostFacts(
        network=Network.X,
        post_id="2400000000000000001",
        author_id="1001",
        created_at=AT,
        author_followers=52_000,
    )
    assert first.text == "Launch day"
    assert second.facts is not None
    assert second.facts.author_followers is None
    assert second.text == "We are evaluating vendors"
    assert got[x(PROTECTED)] == Lookup(None, gone_reason="not_authorized")
    assert got[x(UNKNOWN)] == Lookup(None, gone_reason="not_found")
    assert got[x("12ab")] == Lookup(None, refused="invalid_id")
    assert got[PostRef(Network.LINKEDIN, "7")] == Lookup(
        None, gone_reason="no_provider_for_network"
    )


def test_ids_go_in_calls_of_at_most_100(world: World) -> None:
    got = world.provider.lookup([x(i) for i in MANY])

    assert [len(ids) for ids in world.requests] == [100, 100, 50]
    assert all(got[x(i)].facts is not None for i in MANY)


def test_server_errors_past_the_retries_stop_the_lookup_keeping_what_was_answered(
    world: World,
) -> None:
    world.provider.lookup([x(MANY[0])])  # a call answered: the outage is the next one
    world.outage()

    with pytest.raises(ProviderUnavailable) as stopped:
        world.provider.lookup([x(MANY[1])])
    assert dict(stopped.value.answered) == {}

    assert world.provider.lookup([x(MANY[1])])[x(MANY[1])].facts is not None  # then it answers


@pytest.fixture(params=["fake", "stub"])
def limited(request: pytest.FixtureRequest) -> Iterator[World]:
    """A world whose rate limit allows one call a window."""
    if request.param == "fake":
        fake = Faked(quota=1)
        for post_id in MANY:
            fake.add(PostFacts(network=Network.X, post_id=post_id, author_id="1001"))
        yield fake
        return
    posts = {i: post("1001", created_at=AT) for i in MANY}
    with XApiStub(posts=posts, quota=1) as stub:
        provider = XApiProvider(lambda refresh: stub.token, stub.url, sleep=lambda s: None)
        yield Stubbed(stub, provider)


def test_a_spent_rate_limit_stops_until_its_reset_keeping_what_was_answered(
    limited: World,
) -> None:
    with pytest.raises(ProviderRateLimited) as stopped:
        limited.provider.lookup([x(i) for i in MANY[:150]])

    assert stopped.value.reset_at == limited.reset_at
    assert set(stopped.value.answered) == {x(i) for i in MANY[:100]}
    with pytest.raises(ProviderRateLimited):
        limited.provider.lookup([x(MANY[200])])
    assert len(limited.requests) == 1  # no call is wasted before the reset
