"""LinkedIn's Organization Social Action Notifications, one at a time: each becomes an act, a
deleted comment, an answer, or is ignored for a named reason.

What a notification holds, per LinkedIn's "Organization Social Action Notifications"
(https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/
organization-social-action-notifications): `notificationId` (long), `organizationalEntity`
(the Company Page's organization URN), `action` (LIKE, COMMENT, SHARE, SHARE_MENTION,
ADMIN_COMMENT, COMMENT_EDIT, COMMENT_DELETE), `sourcePost` (the post acted on), `generatedActivity`
(the comment or share the act made) and its decorated form `decoratedGeneratedActivity` (a
`comment` or `share` with its `owner`, the member who made it, and its text), `lastModifiedAt`
(unix milliseconds) and `subscriber` (the Page admin whose subscription it came through).
LIKE, COMMENT and SHARE are sent only for posts whose visibility is PUBLIC. LinkedIn documents
no action for an unlike or a deleted share: neither can be taken back from here.

A comment's words are matched in memory against the scoring model's intent keywords and
complaint phrases; only the hits go on (`OwnWords`), never the words.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from socialscore.domain.acts import act, post_key
from socialscore.domain.interaction import Answered, Kind, Network, PostDeleted
from socialscore.sources.base import LenientModel, Message, unix_time
from socialscore.sources.words import ModelOnce, comment_words, with_words

SOURCE = "linkedin"

# Why a notification earns nothing: fixed words, counted and logged (never the notification).
OWN_ACTIVITY = "own_activity"  # the Page's own comment or share (ADMIN_COMMENT, an org owner)
NO_ACTOR = "no_actor"  # LinkedIn names nobody who did it: nobody to credit
OTHER_ACTION = "action_other"  # an action LinkedIn may add: acknowledged, never refused
INCOMPLETE_NOTIFICATION = "incomplete_notification"  # no post or comment URN to key it by

# URNs. A post is keyed by its own URN, type kept: `urn:li:activity:N`, `urn:li:share:N` and
# `urn:li:ugcPost:N` are three id spaces (the same key a link to the post gives, see
# domain/permalink.py), so a post reported under one URN by LinkedIn and under another by an
# SMMS's link is two posts. A comment's URN names its post: LinkedIn writes it both as
# `urn:li:comment:(urn:li:activity:N,M)` and `urn:li:comment:(activity:N,M)`; both are one key.
_POST_URN = re.compile(r"^urn:li:(activity|share|ugcPost):(\d{1,25})$")
_COMMENT_URN = re.compile(
    r"^urn:li:comment:\((?:urn:li:)?(activity|share|ugcPost):(\d{1,25}),(\d{1,25})\)$"
)
_MEMBER_URN = re.compile(
    r"^urn:li:(person|member|organization|organizationBrand):[A-Za-z0-9_-]{1,40}$"
)

Urn = Annotated[str, Field(min_length=1, max_length=200)]
# A person's words, read in memory only: never in a repr, a log or a message.
Words = Annotated[str | None, Field(repr=False)]


def _millis(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return unix_time(value / 1000)
    return value


MillisTime = Annotated[datetime, BeforeValidator(_millis)]


class CommentMessage(LenientModel):
    """A comment's `message` as the Comments API writes it (`{"text": ...}`)."""

    text: Words = None


class Activity(LenientModel):
    """A decorated comment or share: who made it, what it is, its words."""

    owner: Urn | None = None
    entity: Urn | None = None
    object: Urn | None = None  # a comment's: the post it is on
    parent_comment: Urn | None = Field(default=None, alias="parentComment")
    text: Words = None
    message: CommentMessage | None = None

    @property
    def words(self) -> str | None:
        return self.message.text if self.message and self.message.text else self.text


class Decorated(LenientModel):
    comment: Activity | None = None
    share: Activity | None = None


class Notification(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    notification_id: int | str = Field(alias="notificationId")
    organizational_entity: Urn = Field(alias="organizationalEntity")
    action: str = Field(min_length=1, max_length=64)
    source_post: Urn | None = Field(default=None, alias="sourcePost")
    generated_activity: Urn | None = Field(default=None, alias="generatedActivity")
    decorated: Decorated | None = Field(default=None, alias="decoratedGeneratedActivity")
    # The post acted on, when LinkedIn decorates it: its `owner` is whose post it is.
    source_post_decorated: Activity | None = Field(default=None, alias="decoratedSourcePost")
    actor: Urn | None = None  # named on some notifications (a like's member)
    last_modified_at: MillisTime | None = Field(default=None, alias="lastModifiedAt")


def post_urn(urn: str | None) -> str | None:
    """The post a URN names, in one spelling (leading zeros dropped); None if it names none."""
    match = _POST_URN.fullmatch(urn or "")
    return f"urn:li:{match.group(1)}:{int(match.group(2))}" if match else None


def comment_urn(urn: str | None) -> str | None:
    """A comment URN in one spelling, whichever of LinkedIn's two it came in."""
    match = _COMMENT_URN.fullmatch(urn or "")
    if match is None:
        return None
    kind, post, comment = match.group(1), int(match.group(2)), int(match.group(3))
    return f"urn:li:comment:(urn:li:{kind}:{post},{comment})"


def commented_post(comment: str) -> str:
    """The post a (canonical) comment URN is on."""
    return comment.removeprefix("urn:li:comment:(").split(",", 1)[0]


def _member(urn: str | None) -> str | None:
    return urn if urn is not None and _MEMBER_URN.fullmatch(urn) else None


def _author(n: Notification) -> str | None:
    """Whose post was acted on, when the notification says; else a provider tells rehydrate."""
    decorated = n.source_post_decorated
    return _member(decorated.owner) if decorated is not None else None


def notification(n: Notification, received: datetime, model: ModelOnce) -> Message | str:
    """What one notification is, or why it is ignored."""
    org = n.organizational_entity
    at = n.last_modified_at or received
    decorated = n.decorated or Decorated()
    if n.action in ("COMMENT", "COMMENT_EDIT", "ADMIN_COMMENT"):
        return _comment(n, decorated.comment, org, at, model)
    if n.action == "COMMENT_DELETE":
        own = comment_urn(n.generated_activity)
        if own is None:
            return INCOMPLETE_NOTIFICATION
        return PostDeleted(source=SOURCE, post=post_key(Network.LINKEDIN, own), occurred_at=at)
    if n.action == "LIKE":
        target, actor = post_urn(n.source_post), _member(n.actor)
        if target is None:
            return INCOMPLETE_NOTIFICATION
        if actor is None:
            return NO_ACTOR
        if actor == org:
            return OWN_ACTIVITY
        return act(
            SOURCE,
            Network.LINKEDIN,
            Kind.LIKE,
            actor,
            at,
            target_post_id=target,
            target_author_id=_author(n),
        )
    if n.action in ("SHARE", "SHARE_MENTION"):
        return _share(n, decorated.share, org, at)
    return OTHER_ACTION


def _comment(
    n: Notification, comment: Activity | None, org: str, at: datetime, model: ModelOnce
) -> Message | str:
    """A comment on a Page's post (an edit is the same comment: the same act, counted once)."""
    own = comment_urn(n.generated_activity or (comment.entity if comment else None))
    target = post_urn(n.source_post) or (commented_post(own) if own else None)
    if own is None or target is None:
        return INCOMPLETE_NOTIFICATION
    author = _member(comment.owner if comment else None)
    if n.action == "ADMIN_COMMENT" or author == org:
        parent = comment_urn(comment.parent_comment if comment else None)
        if parent is None:
            return OWN_ACTIVITY
        # The Page answering a comment: that comment leaves the engage-now queue.
        return Answered(
            event_id=own, source=SOURCE, post=post_key(Network.LINKEDIN, parent), occurred_at=at
        )
    if author is None:
        return NO_ACTOR
    done = act(
        SOURCE,
        Network.LINKEDIN,
        Kind.COMMENT,
        author,
        at,
        target_post_id=target,
        target_author_id=_author(n),
        own_post_id=own,
    )
    words = comment_words(comment.words if comment else None, model)
    return with_words(done, words)


def _share(n: Notification, share: Activity | None, org: str, at: datetime) -> Message | str:
    """A reshare of the Page's post, or (SHARE_MENTION) a post that mentions the Page."""
    own = post_urn(n.generated_activity or (share.entity if share else None))
    author = _member(share.owner if share else None) or _member(n.actor)
    if own is None:
        return INCOMPLETE_NOTIFICATION
    if author is None:
        return NO_ACTOR
    if author == org:
        return OWN_ACTIVITY
    if n.action == "SHARE_MENTION":
        return act(
            SOURCE,
            Network.LINKEDIN,
            Kind.MENTION,
            author,
            at,
            target_user_id=org,
            own_post_id=own,
        )
    target = post_urn(n.source_post)
    if target is None:
        return INCOMPLETE_NOTIFICATION
    return act(
        SOURCE,
        Network.LINKEDIN,
        Kind.SHARE,
        author,
        at,
        target_post_id=target,
        target_author_id=_author(n),
        own_post_id=own,
    )
