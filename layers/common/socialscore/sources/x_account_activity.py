"""X Account Activity API deliveries (v1.1 shapes) as messages and ignored events.

Shapes per https://docs.x.com/x-api/account-activity/introduction ("Available activities",
"Payload examples", "Support for longform posts") and the replay job's status per
https://docs.x.com/x-api/account-activity/quickstart ("Job completed messages").
Ids are read from `id_str`: they exceed the 53 bits a JSON number keeps exactly.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from socialscore.domain.acts import act, post_key
from socialscore.domain.interaction import Kind, Network, PostDeleted, Retraction
from socialscore.sources.base import BodyProblem, LenientModel, Message, Reading, unix_time
from socialscore.sources.x_posts import (
    APP_REVOKED,
    BY_ACCOUNT,
    REPLAY_COMPLETE,
    REPLAY_INCOMPLETE,
    SOURCE,
    UNSCORED_EVENT,
    Target,
    XId,
    XPost,
    post_act,
)

MAX_EVENTS = 1000
# ASCII digits only (int() also reads " 12", "+12", "1_2" and other scripts' digits); 16 digits
# are unix milliseconds far past any clock.
_MILLIS = re.compile(r"[0-9]{1,16}")
_MILLIS_RULE = "must be unix milliseconds: 1 to 16 ASCII digits, within the calendar"
CREATED_AT_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # X's v1.1 time: Wed Oct 10 20:19:24 +0000 2018
_CREATED_AT_RULE = "must read like Wed Oct 10 20:19:24 +0000 2018"


class XUser(LenientModel):
    id_str: XId | None = None
    id: XId | None = None

    @property
    def uid(self) -> str:
        uid = self.id_str or self.id
        if uid is None:
            raise BodyProblem("id_str", "a user needs id_str or id")
        return uid


class XEntities(LenientModel):
    user_mentions: list[XUser] = Field(default_factory=list)


class XExtended(LenientModel):
    """A longform post's full entities: a mention past the 140th character is only here."""

    entities: XEntities = Field(default_factory=XEntities)


def _when(
    timestamp_ms: str | None, created_at: str | None, millis: str = "timestamp_ms"
) -> datetime:
    """When an event happened (`millis` names the field the milliseconds came in). A refusal
    names the field and its rule, never the value (int() and strptime put it in their
    messages)."""
    if timestamp_ms:
        if not _MILLIS.fullmatch(timestamp_ms):
            raise BodyProblem(millis, _MILLIS_RULE)
        try:
            return unix_time(int(timestamp_ms) / 1000)
        except ValueError:
            raise BodyProblem(millis, _MILLIS_RULE) from None
    if created_at:
        try:
            return datetime.strptime(created_at, CREATED_AT_FORMAT).astimezone(UTC)
        except ValueError:
            raise BodyProblem("created_at", _CREATED_AT_RULE) from None
    raise BodyProblem(millis, "an event needs timestamp_ms or created_at")


class XTweet(LenientModel):
    id_str: XId
    created_at: str | None = None
    timestamp_ms: str | None = None
    user: XUser
    in_reply_to_status_id_str: XId | None = None
    in_reply_to_user_id_str: XId | None = None
    retweeted_status: XTweet | None = None
    quoted_status: XTweet | None = None
    quoted_status_id_str: XId | None = None
    entities: XEntities = Field(default_factory=XEntities)
    extended_tweet: XExtended | None = None

    def post(self) -> XPost:
        quoted = self.quoted_status
        mentions = [*self.entities.user_mentions]
        if self.extended_tweet is not None:
            mentions += self.extended_tweet.entities.user_mentions
        return XPost(
            post_id=self.id_str,
            author_id=self.user.uid,
            at=_when(self.timestamp_ms, self.created_at),
            retweet_of=_target(self.retweeted_status),
            quote_of=_target(quoted)
            or (Target(self.quoted_status_id_str, None) if self.quoted_status_id_str else None),
            reply_to=Target(self.in_reply_to_status_id_str, self.in_reply_to_user_id_str)
            if self.in_reply_to_status_id_str
            else None,
            mentions=frozenset(u.uid for u in mentions),
        )


def _target(tweet: XTweet | None) -> Target | None:
    return Target(tweet.id_str, tweet.user.uid) if tweet is not None else None


class XFavorite(LenientModel):
    timestamp_ms: int | str | None = None
    created_at: str | None = None
    favorited_status: XTweet
    user: XUser


class XFollow(LenientModel):
    type: str = "follow"
    created_timestamp: str | None = None
    target: XUser
    source: XUser


class XDeletedStatus(LenientModel):
    id: XId
    user_id: XId | None = None


class XDelete(LenientModel):
    status: XDeletedStatus
    timestamp_ms: int | str


class XReplayJobStatus(LenientModel):
    job_state: str


class XActivity(BaseModel):
    """One Account Activity delivery. `user_event` (an account revoked the app's access) and
    `replay_job_status` come without `for_user_id`; every act comes with it. Event arrays
    socialscore does not read (direct messages, blocks, mutes, typing, read receipts) are kept
    only to be counted as ignored."""

    model_config = ConfigDict(extra="allow")

    for_user_id: XId | None = None
    tweet_create_events: list[XTweet] = Field(default_factory=list, max_length=MAX_EVENTS)
    favorite_events: list[XFavorite] = Field(default_factory=list, max_length=MAX_EVENTS)
    follow_events: list[XFollow] = Field(default_factory=list, max_length=MAX_EVENTS)
    unfollow_events: list[XFollow] = Field(default_factory=list, max_length=MAX_EVENTS)
    tweet_delete_events: list[XDelete] = Field(default_factory=list, max_length=MAX_EVENTS)
    user_event: dict[str, object] | None = None
    replay_job_status: XReplayJobStatus | None = None


def read_account_activity(activity: XActivity) -> Reading:
    reading = Reading([])
    keep, ignored = reading.keep, reading.ignored
    if activity.user_event is not None:
        # X deletes the account's subscription itself: its deliveries stop (see README).
        ignored[APP_REVOKED] += 1
    if activity.replay_job_status is not None:
        done = activity.replay_job_status.job_state == "Complete"
        ignored[REPLAY_COMPLETE if done else REPLAY_INCOMPLETE] += 1
    for extra in (activity.model_extra or {}).values():
        if isinstance(extra, list):  # an event array; `users` and `apps` objects describe them
            ignored[UNSCORED_EVENT] += len(extra)
    acts = (
        activity.tweet_create_events,
        activity.favorite_events,
        activity.follow_events,
        activity.unfollow_events,
    )
    if activity.for_user_id is None and any(acts):
        raise BodyProblem("for_user_id", "required with tweet, favorite and follow events")
    account = activity.for_user_id or ""
    for tweet in activity.tweet_create_events:
        keep(post_act(tweet.post(), account))
    for fav in activity.favorite_events:
        keep(_like(fav, account))
    for follow in activity.follow_events:
        keep(_follow(follow, account, follow.type))
    for unfollow in activity.unfollow_events:
        keep(_follow(unfollow, account, "unfollow"))
    for deleted in activity.tweet_delete_events:
        keep(
            PostDeleted(
                source=SOURCE,
                post=post_key(Network.X, deleted.status.id),
                occurred_at=_when(str(deleted.timestamp_ms), None),
            )
        )
    return reading


def _like(fav: XFavorite, account: str) -> Message | str:
    liker = fav.user.uid
    if liker == account:
        return BY_ACCOUNT
    stamp = str(fav.timestamp_ms) if fav.timestamp_ms is not None else None
    return act(
        SOURCE,
        Network.X,
        Kind.LIKE,
        liker,
        _when(stamp, fav.created_at),
        target_post_id=fav.favorited_status.id_str,
        target_author_id=fav.favorited_status.user.uid,
    )


def _follow(follow: XFollow, account: str, type_: str) -> Message | str:
    follower = follow.source.uid
    if follower == account:
        return BY_ACCOUNT
    if type_ not in ("follow", "unfollow"):
        return UNSCORED_EVENT
    at = _when(follow.created_timestamp, None, "created_timestamp")
    done = act(SOURCE, Network.X, Kind.FOLLOW, follower, at, target_user_id=follow.target.uid)
    return Retraction.of(done) if type_ == "unfollow" else done
