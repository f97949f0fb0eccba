"""The LinkedIn provider's rules: a lookup cut into calls of at most fifty posts, a post asked
twice costing nothing more, and a 429 honoured until midnight UTC with the first call's answers
kept and no call before the reset. The provider's real code, the Posts API stub answering in
process (tests/unit/in_process.py: LinkedIn's bodies, no socket). Moved from
tests/integration/test_linkedin_api.py, which keeps the rest against the stub's server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostRef
from socialscore.providers.base import ProviderRateLimited
from socialscore.providers.linkedin_api import MAX_IDS, next_midnight_utc
from tests.stubs.linkedin_api_stub import LinkedInApiStub, li_post
from tests.unit.in_process import linkedin_provider

ORG = "urn:li:organization:5515715"
NOON = datetime(2026, 10, 15, 12, 0, tzinfo=UTC).timestamp()


def ref(post_id: str) -> PostRef:
    return PostRef(Network.LINKEDIN, post_id)


@pytest.fixture
def stub() -> LinkedInApiStub:
    posts = {f"urn:li:share:{n}": li_post(ORG) for n in range(1, 121)}
    return LinkedInApiStub(posts=posts, forbidden={"urn:li:ugcPost:7"})


def test_posts_are_looked_up_fifty_a_call_with_their_author_and_time(
    stub: LinkedInApiStub,
) -> None:
    refs = [ref(f"urn:li:share:{n}") for n in range(1, 121)]
    li = linkedin_provider(stub, NOON)
    answered = li.lookup(refs + refs[:3])  # a ref asked twice costs nothing more
    assert li.calls == 3  # 120 posts: 50 + 50 + 20
    assert [len(r) for r in stub.requests] == [MAX_IDS, MAX_IDS, 20]
    facts = answered[refs[0]].facts
    assert facts is not None
    assert (facts.author_id, facts.created_at) == (ORG, datetime.fromtimestamp(1790000000, UTC))


def test_a_429_stops_every_call_until_midnight_utc(stub: LinkedInApiStub) -> None:
    stub.daily_quota = 1
    li = linkedin_provider(stub, NOON)
    refs = [ref(f"urn:li:share:{n}") for n in range(1, 101)]
    with pytest.raises(ProviderRateLimited) as limited:
        li.lookup(refs)
    assert limited.value.reset_at == next_midnight_utc(NOON)
    assert len(limited.value.answered) == MAX_IDS  # the first call's answers are kept
    calls = li.calls
    with pytest.raises(ProviderRateLimited):
        li.lookup(refs[:1])
    assert li.calls == calls  # no call wasted before the reset
