"""Acts a network reports by its own ids: the keys socialscore gives them (a post's, an act's)
and the interaction built from them. The same act reported by the SMMS (a permalink) and by the
network (ids) gets the same keys, so it is one interaction."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from socialscore.domain.interaction import Category, Interaction, Kind, Network


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def interaction_id(source: str, event_id: str) -> str:
    """Id of an act known only by its source's event id (a click): retries map to the same id."""
    return _digest("event", source, event_id)


def act_id(
    network: Network, actor_id: str, kind: Kind, target: str | None, own_post: str | None
) -> str:
    """Id of an act by what it is, not by who reported it: the same retweet from the SMMS and
    from X, or a like sent twice under two event ids, is one interaction. A person shares a
    post once, so a share is known without its own post (which an SMMS may not send)."""
    own = None if kind is Kind.SHARE else own_post
    return _digest("act", network, actor_id, kind, target or "", own or "")


# A Facebook id as the Graph API gives it, `{page_id}_{story_id}` (a comment's:
# `{post_id}_{comment_id}`), or as a link gives it, `{story_id}`.
_FACEBOOK_ID = re.compile(r"(?:\d{1,25}_)?(\d{1,25})")


def post_id_of(network: Network, raw_post_id: str) -> str:
    """The id socialscore keys a post by, whatever spelling the source used: the same post
    reported by the SMMS (a permalink) and by the network (an API id) must be one post.

    Facebook: the story's own id. The Graph id prefixes the page id, a link never carries it
    (a page's vanity name gives no page id), and story ids are global. A `pfbid…` id stays as
    it is: only the Graph API can turn it into the numeric id."""
    if network is Network.FACEBOOK:
        numeric = _FACEBOOK_ID.fullmatch(raw_post_id)
        if numeric is not None:
            return str(int(numeric.group(1)))
    return raw_post_id


def post_key(network: Network, raw_post_id: str) -> str:
    """network#post_id: every post key is built here."""
    return f"{network}#{post_id_of(network, raw_post_id)}"


def act(
    source: str,
    network: Network,
    kind: Kind,
    actor_id: str,
    occurred_at: datetime,
    *,
    target_post_id: str | None = None,
    target_author_id: str | None = None,
    target_user_id: str | None = None,
    own_post_id: str | None = None,
) -> Interaction:
    """An interaction reported by the network itself (ids, no permalinks): keyed by act_id, so
    it is the same interaction the SMMS reports for the same act. Its take-back (an unlike, an
    unfollow) is `Retraction.of` the act built from the same ids."""
    target = post_key(network, target_post_id) if target_post_id else None
    own = post_key(network, own_post_id) if own_post_id else None
    return Interaction(
        interaction_id=act_id(network, actor_id, kind, target or target_user_id, own),
        source=source,
        network=network,
        kind=kind,
        category=Category.ORGANIC,  # networks do not say; paid reach comes tagged from the SMMS
        actor_id=actor_id,
        target_user_id=target_user_id,
        target_post=target,
        own_post=own,
        target_author_id=target_author_id,
        occurred_at=occurred_at,
    )
