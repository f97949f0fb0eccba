"""X Activity API deliveries (the `data` envelope) as messages and ignored events.

Envelope and payloads per https://docs.x.com/x-api/activity/event-payloads: `data.event_uuid`,
`filter` (`user_id`, `direction`), `event_type`, `tag`, `payload`, `includes`. Event types per
https://docs.x.com/x-api/activity/introduction ("Supported event types"). The API is young and
its list grows: an event type not read here is acknowledged and counted as ignored.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, TypeVar

from pydantic import AliasChoices, AwareDatetime, BaseModel, Field, ValidationError

from socialscore.domain.acts import act, post_key
from socialscore.domain.interaction import Kind, Network, PostDeleted, Retraction
from socialscore.sources.base import LenientModel, Message, Reading
from socialscore.sources.x_posts import (
    APP_REVOKED,
    BY_ACCOUNT,
    SOURCE,
    UNSCORED_EVENT,
    Target,
    XId,
    XPost,
    post_act,
)

# Posts by or about the filtered account: each is read by the rule the Account Activity API's
# tweets follow, so the same act from both APIs is one interaction.
POST_EVENTS = frozenset(
    {
        "post.create",
        "post.mention.create",
        "post.reply.create",
        "post.quote.create",
        "post.repost.create",
    }
)
# "Fired when a user other than the filtered user quote Posts [reposts] a Post by the filtered
# user": the post pointed at is the filtered account's when `includes` does not say otherwise.
ABOUT_ACCOUNT_POSTS = frozenset({"post.quote.create", "post.repost.create"})
# like.create names the liked post and its author, not the liker: an inbound like (of the
# account's post) cannot be credited to anyone; an outbound one is the account's own act.
LIKE_WITHOUT_LIKER = "like_without_liker"
X_ERROR = "activity_api_error"  # an envelope holding `errors` and no event
M = TypeVar("M", bound=BaseModel)


class XaaFilter(LenientModel):
    user_id: XId | None = None
    direction: str | None = Field(default=None, max_length=20)  # like.create: in- or outbound


class XaaReference(LenientModel):
    type: str
    id: XId


class XaaMention(LenientModel):
    id: XId | None = None  # a mention of a handle X could not match carries no id


class XaaEntities(LenientModel):
    mentions: list[XaaMention] = Field(default_factory=list, max_length=1000)


class XaaNote(LenientModel):
    """A long post's full entities (v2 `note_tweet`): a late mention is only here."""

    entities: XaaEntities = Field(default_factory=XaaEntities)


class XaaPost(LenientModel):
    id: XId
    author_id: XId
    created_at: AwareDatetime
    in_reply_to_user_id: XId | None = None
    referenced_tweets: list[XaaReference] = Field(
        default_factory=list,
        max_length=10,
        validation_alias=AliasChoices("referenced_tweets", "referenced_posts"),
    )
    entities: XaaEntities = Field(default_factory=XaaEntities)
    note_tweet: XaaNote | None = Field(
        default=None, validation_alias=AliasChoices("note_tweet", "note_post")
    )

    def referenced(self, kind: str) -> str | None:
        return next((r.id for r in self.referenced_tweets if r.type == kind), None)


class XaaIncludes(LenientModel):
    tweets: list[XaaPost] = Field(default_factory=list, max_length=1000)


class XaaUser(LenientModel):
    id: XId


class XaaUserData(LenientModel):
    data: XaaUser


class XaaFollow(LenientModel):
    source: XaaUserData  # the follower
    target: XaaUserData  # the account followed


class XaaDeleted(LenientModel):
    id: XId
    author_id: XId | None = None


class XaaEvent(LenientModel):
    event_type: str = Field(max_length=100)
    filter: XaaFilter = Field(default_factory=XaaFilter)
    payload: dict[str, Any] = Field(default_factory=dict)
    includes: XaaIncludes = Field(default_factory=XaaIncludes)


class XaaDelivery(LenientModel):
    """One X Activity API delivery: one event in `data` (or X's `errors`)."""

    data: XaaEvent | None = None
    errors: list[Any] = Field(default_factory=list, max_length=100)


def read_activity_api(delivery: XaaDelivery, received: datetime) -> Reading:
    """The event's message, or why it has none. Follows and deletions carry no time of their
    own: the time of receipt stands for it (sub-second after the act, per X)."""
    event = delivery.data
    if event is None:
        return Reading([], Counter({X_ERROR: 1}))
    result = _event(event, received)
    if isinstance(result, str):
        return Reading([], Counter({result: 1}))
    return Reading([result])


def _event(event: XaaEvent, received: datetime) -> Message | str:
    kind, account = event.event_type, event.filter.user_id
    if kind == "oauth.revoke":
        return APP_REVOKED
    if kind in POST_EVENTS and account is not None:
        post = _payload(XaaPost, event.payload)
        return post_act(_post(post, kind, event.includes, account), account)
    if kind == "post.delete":
        deleted = _payload(XaaDeleted, event.payload)
        return PostDeleted(
            source=SOURCE, post=post_key(Network.X, deleted.id), occurred_at=received
        )
    if kind in ("follow.follow", "follow.unfollow"):
        follow = _payload(XaaFollow, event.payload)
        follower, followed = follow.source.data.id, follow.target.data.id
        if follower == account:
            return BY_ACCOUNT
        done = act(SOURCE, Network.X, Kind.FOLLOW, follower, received, target_user_id=followed)
        return done if kind == "follow.follow" else Retraction.of(done)
    if kind == "like.create":
        direction = event.filter.direction or (
            "inbound" if _liked_author(event) == account else "outbound"
        )
        return LIKE_WITHOUT_LIKER if direction == "inbound" else BY_ACCOUNT
    return UNSCORED_EVENT


def _liked_author(event: XaaEvent) -> str | None:
    # The documented sample names it `liked_tweet_author_id`, the OpenAPI `tweet_author_id`.
    author = event.payload.get("liked_tweet_author_id", event.payload.get("tweet_author_id"))
    return str(author) if author is not None else None


def _payload(model: type[M], payload: dict[str, Any]) -> M:
    """The payload read as `model`, its faults named from the body's root (data.payload.…)."""
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        errors: list[Any] = [
            {**e, "loc": ("data", "payload", *e["loc"])} for e in err.errors(include_url=False)
        ]
        raise ValidationError.from_exception_data(err.title, errors) from None


def _post(post: XaaPost, event_type: str, includes: XaaIncludes, account: str) -> XPost:
    authors = {t.id: t.author_id for t in includes.tweets}

    def target(post_id: str | None, author: str | None = None) -> Target | None:
        if post_id is None:
            return None
        author = author or authors.get(post_id)
        if author is None and event_type in ABOUT_ACCOUNT_POSTS:
            author = account
        return Target(post_id, author)

    mentions = [*post.entities.mentions]
    if post.note_tweet is not None:
        mentions += post.note_tweet.entities.mentions
    return XPost(
        post_id=post.id,
        author_id=post.author_id,
        at=post.created_at,
        retweet_of=target(post.referenced("retweeted")),
        quote_of=target(post.referenced("quoted")),
        reply_to=target(post.referenced("replied_to"), post.in_reply_to_user_id),
        mentions=frozenset(m.id for m in mentions if m.id is not None),
    )
