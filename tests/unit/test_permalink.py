"""Permalinks to (network, post_id): every spelling of an X post link reads the same."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.acts import post_key
from socialscore.domain.interaction import Network
from socialscore.domain.permalink import ShortLink, UnparseablePermalink, is_short_link, parse
from socialscore.domain.post import PostRef

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
        f"https://t.co.evil.example/{POST_ID}",
        f"https://evil.example/t.co/{POST_ID}",
    ],
)
def test_a_link_to_an_unknown_host_is_unparseable_and_never_a_short_link(link: str) -> None:
    # A ShortLink is followed over the network: an unknown host must be a plain drop instead.
    with pytest.raises(UnparseablePermalink) as caught:
        parse(link)
    assert type(caught.value) is UnparseablePermalink
    assert not is_short_link(link)


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


# --- every network ---------------------------------------------------------------------------
FB_STORY = "1234567890123456"
FB_PFBID = "pfbid02ABCdef1234567890ghiJKLmnop"
IG_CODE = "C7xYz_1-AbQ"
LI_ACTIVITY = "7195092498207780864"
YT_ID = "dQw4w9WgXcQ"
TT_ID = "7212345678901234567"

SPELLINGS: dict[PostRef, list[str]] = {
    PostRef(Network.X, POST_ID): [
        f"https://m.twitter.com/brandco/status/{POST_ID}",
        f"https://x.com/brandco/status/{POST_ID}/video/1",
        f"https://x.com/i/status/{POST_ID}",
        f"https://x.com//brandco/status/{POST_ID}",
    ],
    PostRef(Network.FACEBOOK, FB_STORY): [
        f"https://www.facebook.com/acmeinsights/posts/{FB_STORY}",
        f"https://www.facebook.com/acmeinsights/posts/{FB_STORY}/?__cft__[0]=AZ&__tn__=%2CO",
        f"https://m.facebook.com/acmeinsights/posts/{FB_STORY}",
        f"https://mbasic.facebook.com/acmeinsights/posts/{FB_STORY}",
        f"https://www.facebook.com/permalink.php?story_fbid={FB_STORY}&id=100064",
        f"https://www.facebook.com/permalink.php?id=100064&story_fbid={FB_STORY}",
        f"https://m.facebook.com/story.php?story_fbid={FB_STORY}&id=100064&mibextid=Nif5oz",
        f"https://www.facebook.com/100064_{FB_STORY}",  # a Graph API id: {page_id}_{story_id}
        f"https://www.facebook.com/acmeinsights/posts/100064_{FB_STORY}",
        f"https://www.facebook.com/groups/98765/posts/{FB_STORY}/",
        f"https://www.facebook.com/groups/98765/permalink/{FB_STORY}/",
        f"https://web.facebook.com/acmeinsights/posts/{FB_STORY}#comments",
    ],
    PostRef(Network.FACEBOOK, FB_PFBID): [
        f"https://www.facebook.com/acmeinsights/posts/{FB_PFBID}",
        f"https://m.facebook.com/acmeinsights/posts/{FB_PFBID}/?mibextid=abc",
        f"https://www.facebook.com/permalink.php?story_fbid={FB_PFBID}&id=100064",
        f"https://www.facebook.com/story.php?story_fbid={FB_PFBID}&id=100064",
    ],
    PostRef(Network.FACEBOOK, "987654321098765"): [
        "https://www.facebook.com/reel/987654321098765",
        "https://www.facebook.com/reel/987654321098765/?s=single_unit",
        "https://www.facebook.com/acmeinsights/videos/987654321098765/",
        "https://www.facebook.com/acmeinsights/videos/launch-day/987654321098765/",
        "https://www.facebook.com/watch/?v=987654321098765",
        "https://m.facebook.com/watch?v=987654321098765&ref=sharing",
    ],
    PostRef(Network.INSTAGRAM, IG_CODE): [
        f"https://www.instagram.com/p/{IG_CODE}/",
        f"https://instagram.com/p/{IG_CODE}",
        f"https://www.instagram.com/p/{IG_CODE}/?utm_source=ig_web_copy_link&igsh=MzRlODBiNWFlZA==",
        f"https://www.instagram.com/reel/{IG_CODE}/",
        f"https://www.instagram.com/reels/{IG_CODE}/",
        f"https://www.instagram.com/tv/{IG_CODE}",
        f"https://www.instagram.com/acme.insights/p/{IG_CODE}/",
        f"https://www.instagram.com/acme_insights/reel/{IG_CODE}/?hl=en",
        f"https://m.instagram.com/p/{IG_CODE}/#",
        f"https://instagr.am/p/{IG_CODE}/",
    ],
    PostRef(Network.LINKEDIN, f"urn:li:activity:{LI_ACTIVITY}"): [
        f"https://www.linkedin.com/feed/update/urn:li:activity:{LI_ACTIVITY}/",
        f"https://www.linkedin.com/feed/update/urn:li:activity:{LI_ACTIVITY}",
        f"https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A{LI_ACTIVITY}/",
        f"https://www.linkedin.com/feed/update/urn%3ali%3aactivity%3a{LI_ACTIVITY}?utm_source=share",
        f"https://linkedin.com/embed/feed/update/urn:li:activity:{LI_ACTIVITY}",
        f"https://uk.linkedin.com/posts/jane-doe_launch-day-activity-{LI_ACTIVITY}-Rp8Z",
        f"https://www.linkedin.com/posts/jane-doe_our-activity-feed-activity-{LI_ACTIVITY}-Rp8Z/",
        f"https://www.linkedin.com/posts/acme_launch-activity-{LI_ACTIVITY}-AbCd?utm_medium=ios",
    ],
    PostRef(Network.LINKEDIN, f"urn:li:ugcPost:{LI_ACTIVITY}"): [
        f"https://www.linkedin.com/feed/update/urn:li:ugcPost:{LI_ACTIVITY}/",
        f"https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A{LI_ACTIVITY}",
        f"https://www.linkedin.com/posts/acme_launch-ugcPost-{LI_ACTIVITY}-x1Yz/",
    ],
    PostRef(Network.LINKEDIN, f"urn:li:share:{LI_ACTIVITY}"): [
        f"https://www.linkedin.com/feed/update/urn:li:share:{LI_ACTIVITY}/",
    ],
    PostRef(Network.YOUTUBE, YT_ID): [
        f"https://www.youtube.com/watch?v={YT_ID}",
        f"https://youtube.com/watch?v={YT_ID}&t=42s",
        f"https://www.youtube.com/watch?feature=shared&v={YT_ID}&list=PL1",
        f"https://m.youtube.com/watch?v={YT_ID}",
        f"https://music.youtube.com/watch?v={YT_ID}",
        f"https://youtu.be/{YT_ID}",
        f"https://youtu.be/{YT_ID}?si=AbCdEf&t=3",
        f"https://www.youtube.com/shorts/{YT_ID}",
        f"https://youtube.com/shorts/{YT_ID}?feature=share",
        f"https://www.youtube.com/live/{YT_ID}?si=x",
        f"https://www.youtube.com/embed/{YT_ID}?autoplay=1",
        f"https://www.youtube-nocookie.com/embed/{YT_ID}",
    ],
    PostRef(Network.TIKTOK, TT_ID): [
        f"https://www.tiktok.com/@acme.insights/video/{TT_ID}",
        f"https://www.tiktok.com/@acme_insights/video/{TT_ID}?is_from_webapp=1&sender_device=pc",
        f"https://m.tiktok.com/@acme/video/{TT_ID}/",
        f"https://www.tiktok.com/embed/v2/{TT_ID}",
        f"https://m.tiktok.com/v/{TT_ID}.html",
    ],
}


@pytest.mark.parametrize(
    ("link", "expected"),
    [(link, ref) for ref, links in SPELLINGS.items() for link in links],
)
def test_every_network_s_spellings_parse_to_the_same_post(link: str, expected: PostRef) -> None:
    assert parse(link) == expected


def test_a_facebook_graph_id_and_its_story_id_are_one_post_but_a_pfbid_is_its_own() -> None:
    story = parse(f"https://www.facebook.com/100064_{FB_STORY}")
    assert story == parse(f"https://www.facebook.com/permalink.php?story_fbid={FB_STORY}&id=1")
    assert parse(f"https://www.facebook.com/acme/posts/{FB_PFBID}").post_id == FB_PFBID
    assert parse(f"https://www.facebook.com/acme/posts/{FB_PFBID.lower()}").post_id != FB_PFBID


@pytest.mark.parametrize(
    ("api_id", "link"),
    [
        (f"100064_{FB_STORY}", f"https://www.facebook.com/acmeinsights/posts/{FB_STORY}"),
        (FB_STORY, f"https://www.facebook.com/100064_{FB_STORY}"),
        (FB_PFBID, f"https://www.facebook.com/acmeinsights/posts/{FB_PFBID}"),
    ],
)
def test_a_post_named_by_an_api_id_and_by_its_link_has_one_key(api_id: str, link: str) -> None:
    # Meta reports posts by Graph id, the SMMS by link: one key, or one like counts twice.
    assert post_key(Network.FACEBOOK, api_id) == parse(link).key
    assert PostRef(Network.FACEBOOK, api_id).key == parse(link).key


def test_ids_that_differ_only_in_case_are_different_posts_where_the_network_says_so() -> None:
    assert parse(f"https://youtu.be/{YT_ID}") != parse(f"https://youtu.be/{YT_ID.swapcase()}")
    lower = parse(f"https://www.instagram.com/p/{IG_CODE.lower()}/")
    assert lower != parse(f"https://www.instagram.com/p/{IG_CODE}/")


@pytest.mark.parametrize(
    "link",
    [
        "https://t.co/AbCdEf123",
        "https://T.CO/AbCdEf123?amp=1",
        "https://lnkd.in/eXyZ-12",
        "https://vm.tiktok.com/ZMabc123/",
        "https://vt.tiktok.com/ZSabc123/",
        "https://www.tiktok.com/t/ZTabc123/",
        "https://www.instagram.com/share/reel/BAcd12345",
        "https://www.instagram.com/share/p/BAcd12345",
        "https://www.facebook.com/share/p/1AbCdEfGh/",
        "https://fb.watch/abCD12/",
    ],
)
def test_short_links_are_recognised_as_such(link: str) -> None:
    assert is_short_link(link)
    with pytest.raises(ShortLink) as caught:
        parse(link)
    assert caught.value.link == link.strip()
    assert isinstance(caught.value, UnparseablePermalink)  # callers that cannot resolve: a drop


@pytest.mark.parametrize(
    "link",
    [
        "https://www.facebook.com/acmeinsights",
        "https://www.facebook.com/acmeinsights/posts/",
        "https://www.facebook.com/permalink.php?id=100064",
        "https://www.facebook.com/permalink.php?story_fbid=abc&id=1",
        "https://www.facebook.com/sharer.php?u=https://example.com",
        "https://www.instagram.com/acme.insights/",
        "https://www.instagram.com/reels/audio/123456789/",
        "https://www.instagram.com/p/abc/",
        "https://www.linkedin.com/in/jane-doe/",
        "https://www.linkedin.com/feed/update/urn:li:comment:(activity:1,2)/",
        "https://www.linkedin.com/company/acme/posts/",
        "https://www.youtube.com/watch?list=PL1",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/@acme",
        "https://youtu.be/",
        "https://www.tiktok.com/@acme",
        "https://www.tiktok.com/@acme/video/abc",
        "https://www.linkedin.com.evil.example/feed/update/urn:li:activity:7195092498207780864/",
        "https://evil.example/?u=https://x.com/a/status/1",
        "https://x.com@evil.example/a/status/1",
        "https://t.co/",
        "http://[::1/x",
        "",
    ],
)
def test_links_that_name_no_post_are_unparseable(link: str) -> None:
    with pytest.raises(UnparseablePermalink) as caught:
        parse(link)
    assert not isinstance(caught.value, ShortLink)


# --- property tests: generated spellings of one post parse to that post ----------------------
_segment = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=15)
# An account is never named for a path the network keeps for its own short links (share, t).
_account = _segment.filter(lambda name: name.lower() not in {"share", "t"})
_query_value = st.text(alphabet=string.ascii_letters + string.digits + "-_.%", max_size=12)
_query = st.lists(
    st.tuples(
        st.sampled_from(["s", "t", "utm_source", "ref", "igsh", "si", "mibextid"]), _query_value
    ),
    max_size=4,
)
_fragment = st.text(alphabet=string.ascii_letters + string.digits + "-_=", max_size=10)


def _case(host: str, draw: st.DrawFn) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(host), max_size=len(host)))
    return "".join(c.upper() if flip else c for c, flip in zip(host, flips, strict=True))


@st.composite
def _variant(draw: st.DrawFn, hosts: list[str], path: str, extra_query: str = "") -> str:
    """One spelling of a link: scheme, host prefix and case, query, fragment, trailing slash."""
    scheme = draw(st.sampled_from(["https", "http", "HTTPS"]))
    host = _case(draw(st.sampled_from(hosts)), draw)
    slash = draw(st.sampled_from(["", "/"]))
    pairs = [f"{k}={v}" for k, v in draw(_query)]
    if extra_query:
        pairs.insert(draw(st.integers(0, len(pairs))), extra_query)
    query = ("?" + "&".join(pairs)) if bool(pairs) or draw(st.booleans()) else ""
    fragment = ("#" + draw(_fragment)) if draw(st.booleans()) else ""
    return f"{scheme}://{host}{path}{slash}{query}{fragment}"


_X_HOSTS = ["x.com", "twitter.com", "www.x.com", "mobile.twitter.com", "m.twitter.com"]
_FB_HOSTS = ["www.facebook.com", "facebook.com", "m.facebook.com", "mbasic.facebook.com"]
_IG_HOSTS = ["www.instagram.com", "instagram.com", "m.instagram.com"]
_LI_HOSTS = ["www.linkedin.com", "linkedin.com", "uk.linkedin.com"]
_YT_HOSTS = ["www.youtube.com", "youtube.com", "m.youtube.com"]
_TT_HOSTS = ["www.tiktok.com", "tiktok.com", "m.tiktok.com"]


@st.composite
def _post_and_link(draw: st.DrawFn) -> tuple[PostRef, str]:
    network = draw(st.sampled_from(list(Network)))
    user = draw(_account)
    if network is Network.X:
        post = str(draw(st.integers(1, 2**63 - 1)))
        path = draw(
            st.sampled_from(
                [
                    f"/{user}/status/{post}",
                    f"/{user}/statuses/{post}",
                    f"/i/web/status/{post}",
                    f"/{user}/status/{post}/photo/1",
                    f"/{user}/status/{post}/video/1",
                ]
            )
        )
        return PostRef(network, post), draw(_variant(_X_HOSTS, path))
    if network is Network.FACEBOOK:
        story = str(draw(st.integers(1, 10**17)))
        page = str(draw(st.integers(1, 10**15)))
        form = draw(st.sampled_from(["posts", "graph", "permalink", "story", "pfbid"]))
        if form == "pfbid":
            pfbid = "pfbid0" + draw(
                st.text(alphabet=string.ascii_letters + string.digits, min_size=20, max_size=60)
            )
            return PostRef(network, pfbid), draw(_variant(_FB_HOSTS, f"/{user}/posts/{pfbid}"))
        if form in ("permalink", "story"):
            path = f"/{form}.php"
            extra = f"story_fbid={story}&id={page}"
            return PostRef(network, story), draw(_variant(_FB_HOSTS, path, extra))
        path = f"/{user}/posts/{story}" if form == "posts" else f"/{user}/posts/{page}_{story}"
        return PostRef(network, story), draw(_variant(_FB_HOSTS, path))
    if network is Network.INSTAGRAM:
        code = draw(
            st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=11, max_size=11)
        )
        kind = draw(st.sampled_from(["p", "reel", "reels", "tv"]))
        prefix = draw(st.sampled_from(["", f"/{user.lower()}"]))
        return PostRef(network, code), draw(_variant(_IG_HOSTS, f"{prefix}/{kind}/{code}"))
    if network is Network.LINKEDIN:
        post = str(draw(st.integers(10**17, 10**19)))
        kind = draw(st.sampled_from(["activity", "share", "ugcPost"]))
        colon = draw(st.sampled_from([":", "%3A", "%3a"]))
        urn = colon.join(["urn", "li", kind, post])
        path = draw(
            st.sampled_from(
                [f"/feed/update/{urn}", f"/posts/{user.lower()}_a-title-{kind}-{post}-Ab1z"]
            )
        )
        return PostRef(network, f"urn:li:{kind}:{post}"), draw(_variant(_LI_HOSTS, path))
    if network is Network.YOUTUBE:
        video = draw(
            st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=11, max_size=11)
        )
        form = draw(st.sampled_from(["watch", "short", "shorts", "live", "embed"]))
        if form == "watch":
            return PostRef(network, video), draw(_variant(_YT_HOSTS, "/watch", f"v={video}"))
        if form == "short":
            return PostRef(network, video), draw(_variant(["youtu.be"], f"/{video}"))
        return PostRef(network, video), draw(_variant(_YT_HOSTS, f"/{form}/{video}"))
    post = str(draw(st.integers(1, 2**63 - 1)))
    return PostRef(network, post), draw(_variant(_TT_HOSTS, f"/@{user}/video/{post}"))


@settings(max_examples=400, deadline=None)
@given(_post_and_link())
def test_generated_spellings_parse_to_their_post(case: tuple[PostRef, str]) -> None:
    expected, link = case
    assert parse(link) == expected


@settings(max_examples=200, deadline=None)
@given(_post_and_link())
def test_a_parsed_post_s_key_round_trips(case: tuple[PostRef, str]) -> None:
    ref = parse(case[1])
    assert PostRef.from_key(ref.key) == ref == case[0]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_either_parses_or_is_unparseable_never_crashes(text: str) -> None:
    try:
        ref = parse(text)
    except UnparseablePermalink:
        return
    assert ref.post_id
