"""The X API v2 provider's rules: how it cuts a lookup into calls of at most 100 ids, asks each
id once, asks nothing for other networks or without a token, and stops at a spent rate limit
until its reset, keeping what was answered. The provider's real code, the X stub answering in
process (tests/unit/in_process.py: X's bodies and rate limit headers, no socket). Moved from
tests/integration/test_x_api.py, which keeps what needs the wire or AWS (timeouts, retries and
their backoff, kept-alive connections, redirects, the token's refresh and its secret)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from socialscore.aws.config import ConfigurationError
from socialscore.domain.interaction import Network
from socialscore.domain.post import PostRef
from socialscore.providers.base import ProviderRateLimited, ProviderUnavailable
from socialscore.providers.x_api import XApiProvider
from socialscore.providers.x_users import XUsernames
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.in_process import BASE, provider, x_pool

AUTHOR = "1001"


def x(post_id: str | int) -> PostRef:
    return PostRef(Network.X, str(post_id))


def ids(n: int, start: int = 2_100_000_000_000_000_000) -> list[str]:
    return [str(start + k) for k in range(n)]


@pytest.fixture
def stub() -> XApiStub:
    return XApiStub()


def test_250_posts_take_three_calls_of_at_most_100_ids_with_every_fact(stub: XApiStub) -> None:
    wanted = ids(250)
    for n, post_id in enumerate(wanted):
        stub.posts[post_id] = post(AUTHOR, text=f"post {n}", conversation_id=wanted[0])
    stub.posts[wanted[1]] = post("2002", text="a reply", replied_to=wanted[0], quoted=wanted[2])

    answers = provider(stub).lookup([x(i) for i in wanted])

    # The stub refuses more than 100 ids with X's own 400: a larger chunk would fail here.
    assert [len(r) for r in stub.requests] == [100, 100, 50]
    assert stub.statuses == [200, 200, 200]
    assert set(answers) == {x(i) for i in wanted}
    first = answers[x(wanted[0])]
    assert first.facts is not None
    assert first.facts.author_id == AUTHOR
    assert first.facts.created_at == datetime(2026, 10, 1, 14, tzinfo=UTC)
    assert first.facts.conversation_id == wanted[0]
    assert first.facts.referenced_post_id is None
    assert first.text == "post 0"
    reply = answers[x(wanted[1])].facts
    assert reply is not None
    assert reply.author_id == "2002"
    assert reply.referenced_post_id == wanted[0]  # the post replied to wins over the quoted one


def test_duplicate_refs_are_asked_once(stub: XApiStub) -> None:
    stub.posts["5"] = post(AUTHOR)
    provider(stub).lookup([x(5), x(5), x(5)])
    assert stub.requests == [["5"]]


def test_posts_of_other_networks_cost_no_call(stub: XApiStub) -> None:
    linkedin = PostRef(Network.LINKEDIN, "urn:li:activity:7195092498207780864")
    answers = provider(stub).lookup([linkedin])
    assert answers[linkedin].gone_reason == "no_provider_for_network"
    assert stub.calls == 0


def test_429_stops_the_lookup_until_the_reset_and_keeps_what_was_answered(
    stub: XApiStub,
) -> None:
    wanted = ids(150)
    for post_id in wanted:
        stub.posts[post_id] = post(AUTHOR)
    stub.quota = 2
    provider_ = provider(stub)
    provider_.lookup([x(wanted[0])])  # 1 of 2 used
    stub.quota = 1  # another client spent the rest: the next call after this one is a 429

    with pytest.raises(ProviderRateLimited) as limited:
        provider_.lookup([x(i) for i in wanted])

    assert stub.statuses == [200, 429]
    assert limited.value.reset_at == stub.reset_at
    assert limited.value.answered == {}
    calls = stub.calls
    with pytest.raises(ProviderRateLimited):
        provider_.lookup([x(wanted[1])])
    assert stub.calls == calls  # no call at all before the reset: no hot loop


def test_an_answer_saying_none_remain_stops_the_next_call_before_it_is_wasted(
    stub: XApiStub,
) -> None:
    wanted = ids(150)
    for post_id in wanted:
        stub.posts[post_id] = post(AUTHOR)
    stub.quota = 1

    with pytest.raises(ProviderRateLimited) as limited:
        provider(stub).lookup([x(i) for i in wanted])

    assert stub.statuses == [200]  # the second chunk never went out
    assert set(limited.value.answered) == {x(i) for i in wanted[:100]}
    assert limited.value.reset_at == stub.reset_at


def test_the_limit_is_lifted_at_the_reset(stub: XApiStub) -> None:
    stub.posts["1"] = post(AUTHOR)
    now = [time.time()]
    provider_ = provider(stub, clock=lambda: now[0])
    provider_.limited_until = now[0] + 60
    with pytest.raises(ProviderRateLimited):
        provider_.lookup([x(1)])
    now[0] += 61
    assert provider_.lookup([x(1)])[x(1)].facts is not None


def test_no_token_is_unavailable_without_a_call(stub: XApiStub) -> None:
    with pytest.raises(ProviderUnavailable) as refused:
        XApiProvider(lambda refresh: "", BASE, pool=x_pool(stub)).lookup([x(1)])
    assert refused.value.reason == "no_bearer_token"
    assert stub.calls == 0


@pytest.mark.parametrize("url", ["http://api.x.com", "ftp://127.0.0.1"])
def test_the_token_never_goes_out_in_clear_text(url: str) -> None:
    with pytest.raises(ConfigurationError):
        XApiProvider(lambda refresh: "t", url)


def test_a_spent_post_lookup_window_does_not_stop_the_user_lookup(stub: XApiStub) -> None:
    """X counts each endpoint's window apart, and the pool sends each endpoint's own headers as
    the stub's server does (a pool sending the post lookup's would stop the user lookup)."""
    stub.posts["1"] = post(AUTHOR)
    stub.quota = 2
    posts = provider(stub)
    posts.lookup([x(1)])
    posts.lookup([x(2)])
    assert stub.rate_headers("/2/tweets")["x-rate-limit-remaining"] == "0"
    stub.accounts |= {"ana": "11", "ben": "22"}
    users = XUsernames(provider(stub))

    assert users.user_ids(["ana"]) == {"ana": "11"}
    assert users.user_ids(["ben"]) == {"ben": "22"}  # the users' window had a call left
    assert stub.statuses == [200, 200, 200, 200]
