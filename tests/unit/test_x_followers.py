"""Authors' follower counts from the X API v2 post lookup, without a socket: what the X stub
answers a lookup (authors in `includes.users` only when asked, their counts only when asked, a
user X will not show listed in `errors`), and the parse reading a count only where X gave one
(None when the author is left out or says nothing of it). Moved from tests/integration/
test_x_followers.py, which keeps the provider's one call over HTTP to the stub on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostRef
from socialscore.providers.x_answers import read_posts
from tests.stubs.x_api_stub import XApiStub, post

LOUD, QUIET, SUSPENDED = "7001", "7002", "7003"
POSTS = {
    "2600000000000000001": LOUD,
    "2600000000000000002": QUIET,
    "2600000000000000003": SUSPENDED,
}


def x(post_id: str) -> PostRef:
    return PostRef(Network.X, post_id)


def x_stub() -> XApiStub:
    """The X stub holding POSTS, LOUD's and QUIET's counts known, SUSPENDED's not."""
    posts = {post_id: post(author, text="hi") for post_id, author in POSTS.items()}
    return XApiStub(posts=posts, followers={LOUD: 20_000, QUIET: 0})


@pytest.fixture
def stub() -> XApiStub:
    """The stub's answers, asked directly (no server started)."""
    return x_stub()


def lookup(stub: XApiStub, query: str) -> tuple[int, dict[str, Any]]:
    status, body, _, _ = stub.answer(
        f"/2/tweets?ids=2600000000000000001,2600000000000000003&{query}",
        {"authorization": f"Bearer {stub.token}"},
    )
    return status, body


def test_the_stub_includes_authors_only_when_asked_and_their_counts_only_when_asked(
    stub: XApiStub,
) -> None:
    status, plain = lookup(stub, "tweet.fields=author_id")
    assert status == 200
    assert "includes" not in plain
    assert "errors" not in plain

    _, users = lookup(stub, "tweet.fields=author_id&expansions=author_id")
    assert users["includes"]["users"] == [{"id": LOUD, "name": f"User {LOUD}", "username": "u7001"}]

    _, counted = lookup(stub, "expansions=author_id&user.fields=public_metrics")
    [loud] = counted["includes"]["users"]
    assert loud["public_metrics"]["followers_count"] == 20_000
    # As X does for a user it will not show: left out of includes, listed in errors.
    assert [(e["parameter"], e["resource_id"]) for e in counted["errors"]] == [
        ("author_id", SUSPENDED)
    ]

    status, refused = lookup(stub, "expansions=author_id&user.fields=follower_list")
    assert status == 400
    assert refused["errors"][0]["parameters"] == {"user.fields": ["follower_list"]}


def test_no_includes_or_no_public_metrics_means_no_count() -> None:
    tweet = {"id": "1", "author_id": "9", "created_at": "2026-10-01T14:00:00.000Z", "text": ""}
    bare = json.dumps({"data": [tweet]}).encode()
    nameless = json.dumps({"data": [tweet], "includes": {"users": [{"id": "9"}]}}).encode()
    other = {"users": [{"id": "8", "public_metrics": {"followers_count": 5}}]}
    elsewhere = json.dumps({"data": [tweet], "includes": other}).encode()

    for body in (bare, nameless, elsewhere):
        facts = read_posts(body, ["1"])[x("1")].facts
        assert facts is not None
        assert facts.author_followers is None
