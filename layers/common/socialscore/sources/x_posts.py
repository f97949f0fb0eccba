"""What a post on X did to a subscribed account's world: one rule for both of X's webhook APIs.

The Account Activity API (v1.1 tweet objects) and the X Activity API (v2 post objects) describe
the same acts in two shapes. Each reads its shape into an `XPost` and this module decides, so
one act reported by both becomes one interaction (domain.acts.act_id: same network,
actor, kind, target and own post) and one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field

from socialscore.domain.acts import act, post_key
from socialscore.domain.interaction import Answered, Kind, Network
from socialscore.sources.base import Message, NetworkId

SOURCE = "x"

# X ids are 64-bit: at most 19 digits, and a longer one is a 400 here, not a lookup the X API
# refuses downstream. ASCII digits only (a pattern's \d would take any script's).
X_ID_DIGITS = 19
XId = Annotated[NetworkId, Field(max_length=X_ID_DIGITS, pattern=r"^[0-9]+$")]

# Why an event was acknowledged and not queued: fixed words, safe in logs and metrics.
BY_ACCOUNT = "act_by_subscribed_account"  # the brand's or seller's own act: nobody's touch
SELF_ACT = "self_act"  # replying to, quoting or retweeting oneself earns no credit
NOT_ABOUT_ACCOUNT = "not_about_subscribed_account"  # a post that only passes through
UNSCORED_EVENT = "event_type_not_scored"  # direct messages, blocks, profile updates, ...
APP_REVOKED = "app_access_revoked"  # an account took back the app's access
REPLAY_COMPLETE = "replay_job_complete"
REPLAY_INCOMPLETE = "replay_job_incomplete"  # X asks for the replay job to be run again


@dataclass(frozen=True)
class Target:
    post_id: str
    author_id: str | None  # None where the payload does not say


@dataclass(frozen=True)
class XPost:
    """The ids of a new post and of what it points at; never its text."""

    post_id: str
    author_id: str
    at: datetime
    retweet_of: Target | None = None
    quote_of: Target | None = None
    reply_to: Target | None = None
    mentions: frozenset[str] = frozenset()


def post_act(post: XPost, account: str) -> Message | str:
    """The message a new post makes for the subscribed `account`, or why it makes none.

    - The account's own post: a reply or quote of another's post answers that act (it leaves
      the engage-now queue); anything else it posts is nobody's touch.
    - A retweet is a share of the original (its mentions are the original's words).
    - A reply or quote of the account's post is a comment or quote of that post. One of another
      user's post that mentions the account is a mention of the account: the words are
      addressed to it, and crediting the third party's post would lose that.
    - A post that mentions the account without pointing at a post is a mention of it.
    """
    actor = post.author_id
    pointed = post.reply_to or post.quote_of
    if actor == account:
        if pointed is not None and pointed.author_id != account:
            return Answered(
                event_id=f"{SOURCE}:{post.post_id}",
                source=SOURCE,
                post=post_key(Network.X, pointed.post_id),
                occurred_at=post.at,
            )
        return BY_ACCOUNT
    if post.retweet_of is not None:
        return _on_post(Kind.SHARE, post.retweet_of, post)
    if pointed is not None:
        kind = Kind.COMMENT if post.reply_to is not None else Kind.QUOTE
        if pointed.author_id in (None, account) or account not in post.mentions:
            return _on_post(kind, pointed, post)
    if account in post.mentions:
        return act(
            SOURCE,
            Network.X,
            Kind.MENTION,
            actor,
            post.at,
            target_user_id=account,
            own_post_id=post.post_id,
        )
    return NOT_ABOUT_ACCOUNT


def _on_post(kind: Kind, target: Target, post: XPost) -> Message | str:
    if target.author_id == post.author_id:
        return SELF_ACT
    return act(
        SOURCE,
        Network.X,
        kind,
        post.author_id,
        post.at,
        target_post_id=target.post_id,
        target_author_id=target.author_id,
        own_post_id=post.post_id,
    )
