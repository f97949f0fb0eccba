"""Permalinks to (network, post_id): every spelling of a post's link gives the same post.

Query strings, fragments, trailing slashes, `www.`/`m.`/`mobile.` hosts and the case of the host
never change the result; only the parts that name the post are read (and YouTube's `v=`,
Facebook's `story_fbid=`, the only query parameters that do name one).

Post ids, per network (what `PostRef.post_id` holds):
- x: the numeric post id (what the X API looks up).
- facebook: the story's own id. A Graph API id `{page_id}_{story_id}` and a link's
  `/posts/{story_id}` or `story_fbid={story_id}` give the same key, `{story_id}`: story ids are
  global, and a page's vanity name in a link cannot give its numeric id. A `pfbid…` id (the
  obfuscated form Facebook shows since 2022) is kept as is, case and all: it cannot be turned
  into the numeric id without the Graph API, so the same post linked both ways counts as two.
  Videos and reels are keyed by their video id.
- instagram: the shortcode (`/p/{shortcode}`), case kept; a reel, a TV video and a post share
  one namespace.
- linkedin: the URN, `urn:li:activity:{id}`, `urn:li:share:{id}` or `urn:li:ugcPost:{id}`: the
  three are different id spaces, so the type stays in the key.
- youtube: the 11-character video id, case kept.
- tiktok: the numeric video id.

Short links (t.co, lnkd.in, vm.tiktok.com, instagram.com/share/, ...) carry no post id: `parse`
raises `ShortLink` for them (an `UnparseablePermalink`), and `short_links` may resolve them.

`link_of` goes the other way: a link to a post made from its key alone, with no handle in it,
for what socialscore hands a person (a complaint's case); `parse` reads it back to the same key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from socialscore.domain.acts import post_id_of
from socialscore.domain.interaction import Network
from socialscore.domain.post import PostRef


@dataclass(frozen=True)
class Resolution:
    """Where a short link leads: a post, a definitive drop, or no answer yet."""

    ref: PostRef | None = None
    drop_reason: str | None = None  # definitive: the link names no post socialscore can read
    transient: bool = False  # the shortener did not answer properly: try again later


class UnparseablePermalink(ValueError):
    """Not a post link socialscore knows how to read."""


class ShortLink(UnparseablePermalink):
    """A link shortener's link: the post it points to is known only by following it."""

    def __init__(self, link: str) -> None:
        super().__init__(f"short link, not a post link: {link!r}")
        self.link = link


# Host prefixes that never change which post a link names.
_PREFIXES = ("www.", "mobile.", "m.", "mbasic.", "web.", "touch.", "music.")

_NETWORK_HOSTS = {
    "x.com": Network.X,
    "twitter.com": Network.X,
    "facebook.com": Network.FACEBOOK,
    "fb.com": Network.FACEBOOK,
    "instagram.com": Network.INSTAGRAM,
    "instagr.am": Network.INSTAGRAM,
    "linkedin.com": Network.LINKEDIN,
    "youtube.com": Network.YOUTUBE,
    "youtube-nocookie.com": Network.YOUTUBE,
    "youtu.be": Network.YOUTUBE,
    "tiktok.com": Network.TIKTOK,
}

# Hosts whose every link is a short link, and (host, path prefix) pairs that are.
SHORT_LINK_HOSTS = frozenset({"t.co", "lnkd.in", "vm.tiktok.com", "vt.tiktok.com", "fb.watch"})
SHORT_LINK_PATHS = {
    "instagram.com": ("/share/",),
    "facebook.com": ("/share/",),
    "tiktok.com": ("/t/",),
}

_X_ID = r"(\d{1,19})"
_X = re.compile(rf"^/(?:[A-Za-z0-9_]{{1,50}}/status(?:es)?|i/web/status|i/status)/{_X_ID}(?:/.*)?$")

_FB_ID = r"(pfbid0[0-9A-Za-z]{10,100}|\d{1,25}(?:_\d{1,25})?)"
_FACEBOOK = (
    re.compile(rf"^/(?:groups/)?[^/]+/(?:posts|permalink)/{_FB_ID}(?:/.*)?$"),
    re.compile(r"^/[^/]+/videos/(?:[^/]+/)?(\d{1,25})(?:/.*)?$"),
    re.compile(r"^/(?:reel|reels|videos)/(\d{1,25})(?:/.*)?$"),
    re.compile(r"^/(\d{1,25}_\d{1,25})$"),  # a Graph API id as a path: /{page_id}_{story_id}
)
_FB_QUERY = {"/permalink.php": "story_fbid", "/story.php": "story_fbid", "/watch": "v"}
_FB_QUERY_ID = re.compile(rf"^{_FB_ID}$")

_INSTAGRAM = re.compile(
    r"^/(?:[A-Za-z0-9._]{1,30}/)?(?:p|reel|reels|tv)/([A-Za-z0-9_-]{5,64})(?:/.*)?$"
)
_INSTAGRAM_NOT_POSTS = frozenset({"audio"})

_LI_URN = r"urn:li:(activity|share|ugcPost):(\d{6,25})"
_LINKEDIN = (
    re.compile(rf"^/(?:embed/)?feed/update/{_LI_URN}(?:/.*)?$", re.IGNORECASE),
    re.compile(rf"^/posts/{_LI_URN}(?:/.*)?$", re.IGNORECASE),
    re.compile(r"^/posts/[^/]*-(activity|share|ugcPost)-(\d{6,25})(?:-[A-Za-z0-9_]{1,8})?$"),
)
_LI_TYPES = {"activity": "activity", "share": "share", "ugcpost": "ugcPost"}

_YT_ID = r"([A-Za-z0-9_-]{11})"
_YOUTUBE = re.compile(rf"^/(?:shorts|live|embed|v|e)/{_YT_ID}(?:/.*)?$")
_YOUTU_BE = re.compile(rf"^/{_YT_ID}$")
_YT_QUERY_ID = re.compile(rf"^{_YT_ID}$")

_TIKTOK = (
    re.compile(r"^/@[^/]{1,64}/(?:video|photo)/(\d{1,20})(?:/.*)?$"),
    re.compile(r"^/embed/(?:v2/)?(\d{1,20})(?:/.*)?$"),
    re.compile(r"^/v/(\d{1,20})(?:\.html)?$"),
)


def host_of(link: str) -> str:
    """The host a link names, lower case, without port, user info or a trailing dot."""
    try:
        return (urlsplit(link.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _site(host: str) -> str:
    for prefix in _PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host.removeprefix(prefix)
            break
    if host.endswith(".linkedin.com") and re.fullmatch(r"[a-z]{2}\.linkedin\.com", host):
        return "linkedin.com"  # country sites: uk.linkedin.com, de.linkedin.com
    return host


def is_short_link(link: str) -> bool:
    """A link one of the known shorteners made (a post id is only behind its redirect)."""
    parts = urlsplit(link.strip())
    host = (parts.hostname or "").rstrip(".")
    if host in SHORT_LINK_HOSTS:
        return len(parts.path.strip("/")) > 0
    site = _site(host)
    return any(parts.path.startswith(p) for p in SHORT_LINK_PATHS.get(site, ()))


def parse(permalink: str) -> PostRef:
    """(network, post_id) of a post's link; raises UnparseablePermalink (or ShortLink)."""
    link = permalink.strip()
    try:
        parts = urlsplit(link)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        raise UnparseablePermalink(f"not a link: {permalink!r}") from None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        raise UnparseablePermalink(f"not an http(s) link: {permalink!r}")
    if is_short_link(link):
        raise ShortLink(link)
    site = _site(host)
    network = _NETWORK_HOSTS.get(site)
    if network is None:
        raise UnparseablePermalink(f"no post id in {permalink!r}: unknown host {host!r}")
    path = re.sub(r"/+", "/", unquote(parts.path)).rstrip("/") or "/"
    query = parse_qs(parts.query)
    post_id = _READERS[network](site, path, query)
    if post_id is None:
        raise UnparseablePermalink(f"no post id in {permalink!r}")
    return PostRef(network, post_id)


Query = dict[str, list[str]]


def _x(site: str, path: str, query: Query) -> str | None:
    match = _X.match(path)
    return str(int(match.group(1))) if match else None


def _facebook(site: str, path: str, query: Query) -> str | None:
    for pattern in _FACEBOOK:
        match = pattern.match(path)
        if match:
            return post_id_of(Network.FACEBOOK, match.group(1))
    name = _FB_QUERY.get(path)
    if name is not None:
        for value in query.get(name, []):
            if _FB_QUERY_ID.match(value):
                return post_id_of(Network.FACEBOOK, value)
    return None


def _instagram(site: str, path: str, query: Query) -> str | None:
    match = _INSTAGRAM.match(path)
    if match is None or match.group(1).lower() in _INSTAGRAM_NOT_POSTS:
        return None
    return match.group(1)


def _linkedin(site: str, path: str, query: Query) -> str | None:
    for pattern in _LINKEDIN:
        match = pattern.match(path)
        if match:
            kind = _LI_TYPES[match.group(1).lower()]
            return f"urn:li:{kind}:{int(match.group(2))}"
    return None


def _youtube(site: str, path: str, query: Query) -> str | None:
    if site == "youtu.be":
        match = _YOUTU_BE.match(path)
        return match.group(1) if match else None
    if path == "/watch":
        ids = [v for v in query.get("v", []) if _YT_QUERY_ID.match(v)]
        return ids[0] if ids else None
    match = _YOUTUBE.match(path)
    return match.group(1) if match else None


def _tiktok(site: str, path: str, query: Query) -> str | None:
    for pattern in _TIKTOK:
        match = pattern.match(path)
        if match:
            return str(int(match.group(1)))
    return None


_READERS: dict[Network, Callable[[str, str, Query], str | None]] = {
    Network.X: _x,
    Network.FACEBOOK: _facebook,
    Network.INSTAGRAM: _instagram,
    Network.LINKEDIN: _linkedin,
    Network.YOUTUBE: _youtube,
    Network.TIKTOK: _tiktok,
}


_LINKS: dict[Network, str] = {
    Network.X: "https://x.com/i/web/status/{}",
    Network.FACEBOOK: "https://www.facebook.com/story.php?story_fbid={}",
    Network.INSTAGRAM: "https://www.instagram.com/p/{}/",
    Network.LINKEDIN: "https://www.linkedin.com/feed/update/{}/",
    Network.YOUTUBE: "https://www.youtube.com/watch?v={}",
    Network.TIKTOK: "https://www.tiktok.com/embed/v2/{}",
}


def link_of(ref: PostRef) -> str:
    """A link to the post from its ids only (no handle: none is kept)."""
    return _LINKS[ref.network].format(ref.post_id)
