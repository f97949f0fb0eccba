"""Permalinks to (network, post_id): every spelling of an X post link reads the same."""

from __future__ import annotations

import pytest

from socialscore.interaction import Network
from socialscore.permalink import UnparseablePermalink, parse
from socialscore.post import PostRef

POST_ID = "1790000000000000001"
EXPECTED = PostRef(Network.X, POST_ID)


@pytest.mark.parametrize(
    "link",
    [
        f"https://x.com/brandco/status/{POST_ID}",
        f"https://twitter.com/brandco/status/{POST_ID}",
        f"https://mobile.twitter.com/brandco/status/{POST_ID}",
        f"https://www.twitter.com/brandco/status/{POST_ID}",
        f"https://www.x.com/brandco/status/{POST_ID}",
        f"https://mobile.x.com/brandco/status/{POST_ID}",
        f"http://x.com/brandco/status/{POST_ID}",
        f"https://X.COM/brandco/status/{POST_ID}",
        f"https://x.com/i/web/status/{POST_ID}",
        f"https://twitter.com/i/web/status/{POST_ID}",
        f"https://twitter.com/brandco/statuses/{POST_ID}",
        f"https://x.com/brandco/status/{POST_ID}/",
        f"https://x.com/brandco/status/{POST_ID}?s=20&t=abc",
        f"https://x.com/brandco/status/{POST_ID}#reply",
        f"https://x.com/brandco/status/{POST_ID}/?s=46#frag",
        f"https://x.com/brandco/status/{POST_ID}/photo/1",
        f"https://twitter.com/brandco/status/{POST_ID}/photo/1?s=20",
        f"  https://x.com/brandco/status/{POST_ID}  ",
    ],
)
def test_every_spelling_of_a_post_link_parses_to_the_same_post(link: str) -> None:
    assert parse(link) == EXPECTED


def test_the_post_key_round_trips() -> None:
    ref = parse(f"https://x.com/brandco/status/{POST_ID}")
    assert ref.key == f"x#{POST_ID}"
    assert PostRef.from_key(ref.key) == ref


@pytest.mark.parametrize(
    "link",
    [
        f"ftp://x.com/brandco/status/{POST_ID}",
        f"javascript://x.com/brandco/status/{POST_ID}",
        f"file:///x.com/brandco/status/{POST_ID}",
        f"x.com/brandco/status/{POST_ID}",
        f"//x.com/brandco/status/{POST_ID}",
    ],
)
def test_a_non_http_link_is_unparseable(link: str) -> None:
    with pytest.raises(UnparseablePermalink):
        parse(link)


@pytest.mark.parametrize(
    "link",
    [
        f"https://example.com/brandco/status/{POST_ID}",
        f"https://x.com.evil.example/brandco/status/{POST_ID}",
        f"https://notx.com/brandco/status/{POST_ID}",
        f"https://nitter.net/brandco/status/{POST_ID}",
        f"https://t.co/{POST_ID}",
    ],
)
def test_a_link_to_an_unknown_host_is_unparseable(link: str) -> None:
    with pytest.raises(UnparseablePermalink):
        parse(link)


@pytest.mark.parametrize(
    "link",
    [
        "https://x.com/brandco",
        "https://x.com/brandco/status/",
        "https://x.com/brandco/status/12ab",
        "https://x.com/",
        f"https://x.com/brandco/likes/{POST_ID}",
    ],
)
def test_an_x_link_without_a_post_id_is_unparseable(link: str) -> None:
    with pytest.raises(UnparseablePermalink):
        parse(link)


def test_the_error_quotes_the_link() -> None:
    with pytest.raises(UnparseablePermalink, match=r"example\.com"):
        parse("https://example.com/a/status/1")
