"""The LinkedIn provider against a stub of LinkedIn's Posts API on 127.0.0.1: 5xx retried, gone
posts named, no call for what the Posts API cannot key, the token fetched afresh, LinkedIn's
headers (README "Social data provider", LinkedIn). Its rules with the stub answering in process
(fifty posts a call, a 429 honoured until midnight UTC): tests/unit/test_linkedin_api_calls.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostRef
from socialscore.providers.base import ProviderUnavailable
from socialscore.providers.linkedin_api import LinkedInApiProvider
from tests.stubs.linkedin_api_stub import LinkedInApiStub, li_post
from tests.unit.test_linkedin_api_calls import NOON, ORG, ref


@pytest.fixture
def stub() -> Iterator[LinkedInApiStub]:
    posts = {f"urn:li:share:{n}": li_post(ORG) for n in range(1, 121)}
    with LinkedInApiStub(posts=posts, forbidden={"urn:li:ugcPost:7"}) as li:
        yield li


def provider(stub: LinkedInApiStub, clock: float = NOON, **kw: object) -> LinkedInApiProvider:
    return LinkedInApiProvider(
        lambda refresh: stub.token,
        stub.url,
        clock=lambda: clock,
        sleep=lambda s: None,
        **kw,  # type: ignore[arg-type]
    )


def test_gone_posts_say_why_and_activities_cost_no_call(stub: LinkedInApiStub) -> None:
    li = provider(stub)
    answered = li.lookup(
        [
            ref("urn:li:ugcPost:7"),  # exists, not for this token
            ref("urn:li:share:999999"),  # deleted or never was
            ref("urn:li:activity:6441333333905633322"),
            PostRef(Network.X, "1"),
        ]
    )
    assert answered[ref("urn:li:ugcPost:7")].gone_reason == "not_authorised"
    assert answered[ref("urn:li:share:999999")].gone_reason == "not_found"
    activity = answered[ref("urn:li:activity:6441333333905633322")]
    assert (activity.facts, activity.gone_reason) == (None, None)  # cannot tell
    assert answered[PostRef(Network.X, "1")].gone_reason == "no_provider_for_network"
    assert li.calls == 1


def test_5xx_is_retried_then_unavailable(stub: LinkedInApiStub) -> None:
    stub.fail_next(503, times=1)
    assert provider(stub).lookup([ref("urn:li:share:1")])[ref("urn:li:share:1")].facts
    stub.fail_next(503, times=3)
    with pytest.raises(ProviderUnavailable):
        provider(stub).lookup([ref("urn:li:share:1")])


def test_a_refused_token_is_fetched_afresh_once(stub: LinkedInApiStub) -> None:
    cached = ["revoked-token"]  # the secret's cached value, from before a rotation

    def token(refresh: bool) -> str:
        if refresh:
            cached[0] = stub.token  # read afresh from Secrets Manager: the rotated one
        return cached[0]

    li = LinkedInApiProvider(token, stub.url, sleep=lambda s: None)
    assert li.lookup([ref("urn:li:share:1")])[ref("urn:li:share:1")].facts is not None
    assert stub.statuses == [401, 200]


def test_an_unversioned_call_is_what_the_stub_refuses(stub: LinkedInApiStub) -> None:
    """The stub holds the provider to LinkedIn's headers: a blank version is a 400."""
    with pytest.raises(ProviderUnavailable) as refused:
        provider(stub, version="").lookup([ref("urn:li:share:1")])
    assert refused.value.reason == "http_400"
