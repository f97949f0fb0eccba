"""Links to the brand's and sellers' public posts, made from their ids alone (no handle is kept),
by the permalink module's builder, for ids of the shape their network gives them only: a key a
sender made up becomes no link at all.

- X: `https://x.com/i/web/status/<id>` opens any public post without its author's handle, as
  X's developer blog shows (https://developer.x.com/en/blog/community/2020/getting-to-the-canonical-url-for-a-post).
- Instagram: a link needs the post's shortcode, which socialscore has only when an SMMS gave a
  permalink. Meta's webhooks name a media id, and the shortcode or permalink of a media id is
  only given by the Graph API (IG Media's `shortcode` and `permalink` fields,
  https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media):
  not derivable, so a media id (all digits) gets no link and is shown as it is.
- Facebook and LinkedIn: the permalink module's forms (a story id; the activity URN).
"""

from __future__ import annotations

import re

from socialscore.domain.interaction import Network
from socialscore.domain.permalink import link_of
from socialscore.domain.post import PostRef
from socialscore.domain.touch import Touch

_IDS: dict[Network, re.Pattern[str]] = {
    Network.X: re.compile(r"\d{1,19}"),
    Network.FACEBOOK: re.compile(r"\d{1,25}|pfbid0[0-9A-Za-z]{10,100}"),
    # a shortcode; all digits is a media id (see above)
    Network.INSTAGRAM: re.compile(r"(?!\d+$)[A-Za-z0-9_-]{5,64}"),
    Network.LINKEDIN: re.compile(r"urn:li:(?:activity|share|ugcPost):\d{6,25}"),
    Network.YOUTUBE: re.compile(r"[A-Za-z0-9_-]{11}"),
    Network.TIKTOK: re.compile(r"\d{1,20}"),
}


def post_link(key: str) -> str | None:
    """The post's public link from its key (`network#post id`); None when none can be made."""
    network, _, post_id = key.partition("#")
    try:
        ref = PostRef(Network(network), post_id)
    except ValueError:
        return None
    pattern = _IDS.get(ref.network)
    return link_of(ref) if pattern is not None and pattern.fullmatch(post_id) else None


def act_link(t: Touch) -> str | None:
    """Where to answer an act: on X a reply, quote or mention is a post of its own; elsewhere a
    comment is known by a comment id that makes no link, so the post it is on."""
    if t.network is Network.X and t.own_post:
        return post_link(t.own_post)
    return post_link(t.post) if t.post else None
