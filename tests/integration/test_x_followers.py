"""Authors' follower counts from the X API v2 post lookup: asked for in the same call
(`expansions=author_id`, `user.fields=public_metrics`) over HTTP to the X stub on 127.0.0.1,
read from `includes.users`, None when X leaves the author out (suspended, withheld). What the
stub answers and the parse of each shape: tests/unit/test_x_followers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialscore.providers.x_api import XApiProvider
from tests.stubs.x_api_stub import XApiStub
from tests.unit.test_x_followers import POSTS, x, x_stub


@pytest.fixture
def stub() -> Iterator[XApiStub]:
    with x_stub() as s:
        yield s


def test_each_post_carries_its_author_s_follower_count_from_the_same_call(
    stub: XApiStub,
) -> None:
    provider = XApiProvider(lambda refresh: stub.token, stub.url)

    answers = provider.lookup([x(p) for p in POSTS])

    assert (provider.calls, stub.calls) == (1, 1)
    followers = {p: a.facts.author_followers for p, a in answers.items() if a.facts is not None}
    # A suspended author's post is still readable; its count is unknown (None), not zero.
    assert followers == {
        x("2600000000000000001"): 20_000,
        x("2600000000000000002"): 0,
        x("2600000000000000003"): None,
    }
