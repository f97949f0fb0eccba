"""Meta's changes, one at a time: a Page `feed` change or an Instagram comment becomes an act, a
retraction, a deleted post or an answer, or is ignored for a named reason.

What Meta sends, as its references document it:
- Page `feed` (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed):
  `item` (reaction, comment, share, status, post, photo...), `verb` (add, edit, edited, remove,
  hide), `from` (older payloads: `sender_id`), `post_id` (`{page id}_{story id}`), `comment_id`,
  `parent_id`, `reaction_type`, `created_time` (unix seconds) and, on a comment, its `message`.
  A reaction on a comment names that comment (`comment_id`).
- Instagram `comments` and `live_comments`
  (https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram): `id` (the
  comment), `from` {id, username}, `media` {id, media_product_type}, `parent_id` (a reply's) and
  `text`. Live comments arrive only while the video is broadcast
  (https://developers.facebook.com/docs/graph-api/webhooks/getting-started/webhooks-for-instagram/).
- Instagram `mentions`: `comment_id` and `media_id` only, no author; the one lookup Meta offers,
  `mentioned_comment` (https://developers.facebook.com/docs/instagram-platform/
  instagram-graph-api/reference/ig-user/mentioned_comment), returns id, like_count, media, text
  and timestamp: no author either. Nobody to credit: ignored.

A comment's words (`message`, `text`) are matched in memory against the scoring model's intent
keywords and complaint phrases; only the hits go on (`OwnWords`), never the words.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from socialscore.domain.acts import act, post_key
from socialscore.domain.interaction import Answered, Kind, Network, PostDeleted, Retraction
from socialscore.sources.base import LenientModel, Message, NetworkId, unix_time
from socialscore.sources.words import ModelOnce, comment_words, with_words

SOURCE = "meta"

# Why a change earns nothing: fixed words, counted and logged (never the change itself).
OWN_ACTIVITY = "own_activity"  # the Page's or account's own post, like or comment
REACTION_ON_COMMENT = "reaction_on_comment"
# Page content rather than an act on it (a post, a status, a photo...): `item_<item>`.
CONTENT_ITEMS = frozenset({"status", "post", "photo", "video", "album", "event", "link", "note"})
INCOMPLETE_CHANGE = "incomplete_change"  # no actor, post or comment id to credit
MENTION_WITHOUT_AUTHOR = "mention_without_author"


def named(kind: str, name: str, known: frozenset[str]) -> str:
    """A reason naming what was ignored (`object_user`, `field_ratings`, `item_status`) from a
    fixed list of Meta's own names, `<kind>_other` for any other: a reason never carries what
    the delivery says, so it is safe to log and bounded as a metric dimension."""
    return f"{kind}_{name if name in known else 'other'}"


# Meta dates a change by the second, and sends a changed reaction as `remove` + `add` at one
# second: within a second a removal is taken to come first, so the reaction left is the one
# that counts, in whatever order the two arrive (the ledger keeps the latest of act and
# withdrawal, and a withdrawal wins a tie).
BEFORE_ITS_SECOND = timedelta(microseconds=1)

MetaId = Annotated[NetworkId, Field(max_length=64, pattern=r"^[0-9_]+$")]


def _time(value: Any) -> Any:
    if isinstance(value, int | float):
        return unix_time(value)
    return value


MetaTime = Annotated[datetime, BeforeValidator(_time)]
# A person's words, read in memory only: never in a repr, a log or a message.
Words = Annotated[str | None, Field(repr=False)]


class MetaUser(LenientModel):
    id: MetaId


class FeedValue(BaseModel):
    """A Page `feed` change. Older payloads name the actor `sender_id` instead of `from`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    item: str
    verb: str
    post_id: MetaId | None = None
    comment_id: MetaId | None = None
    parent_id: MetaId | None = None  # a reply's: the comment it answers (the post, top-level)
    share_id: MetaId | None = None
    reaction_type: str | None = None
    from_: MetaUser | None = Field(default=None, alias="from")
    sender_id: MetaId | None = None
    created_time: MetaTime | None = None
    message: Words = None  # a comment's words

    @property
    def actor(self) -> str | None:
        return self.from_.id if self.from_ else self.sender_id


class InstagramMedia(LenientModel):
    id: MetaId


class InstagramValue(BaseModel):
    """An Instagram `comments` or `live_comments` change (`mentions` carry only ids)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: MetaId | None = None  # the comment
    parent_id: MetaId | None = None  # a reply's: the comment it answers
    media: InstagramMedia | None = None
    from_: MetaUser | None = Field(default=None, alias="from")
    text: Words = None


def _answer(network: Network, reply: str | None, parent: str, at: datetime) -> Answered:
    """The account's own reply to a comment: that comment leaves the engage-now queue."""
    return Answered(
        event_id=reply or parent, source=SOURCE, post=post_key(network, parent), occurred_at=at
    )


def feed(value: FeedValue, page: str, fallback: datetime, model: ModelOnce) -> Message | str:
    """What a Page `feed` change is, or why it is ignored."""
    actor, post = value.actor, value.post_id
    at = value.created_time or fallback
    own_reply = value.item == "comment" and value.verb == "add" and actor == page
    if own_reply and value.parent_id and value.parent_id != post:
        return _answer(Network.FACEBOOK, value.comment_id, value.parent_id, at)
    if actor == page:  # the page's own activity earns nothing
        return OWN_ACTIVITY
    if actor is None or post is None:
        return INCOMPLETE_CHANGE
    author = page if post.startswith(f"{page}_") else None
    remove = value.verb == "remove"
    if value.item == "reaction":  # like, love, care, haha, wow, sorry, anger: all applause
        if value.comment_id is not None:
            # Applause for the commenter, not for the post: a like of the post it is not, and
            # taking it back takes back no like of the post.
            return REACTION_ON_COMMENT
        if remove:
            undone = at - BEFORE_ITS_SECOND
            return Retraction.of(
                act(SOURCE, Network.FACEBOOK, Kind.LIKE, actor, undone, target_post_id=post)
            )
        return act(
            SOURCE,
            Network.FACEBOOK,
            Kind.LIKE,
            actor,
            at,
            target_post_id=post,
            target_author_id=author,
        )
    kind = {"comment": Kind.COMMENT, "share": Kind.SHARE}.get(value.item)
    if kind is None:
        return named("item", value.item, CONTENT_ITEMS)  # content, not an act on the page's
    own = value.comment_id if kind is Kind.COMMENT else value.share_id
    if own is None:
        return INCOMPLETE_CHANGE
    if remove:  # a deleted comment or share takes back exactly the act it was
        return PostDeleted(source=SOURCE, post=post_key(Network.FACEBOOK, own), occurred_at=at)
    done = act(
        SOURCE,
        Network.FACEBOOK,
        kind,
        actor,
        at,
        target_post_id=post,
        target_author_id=author,
        own_post_id=own,
    )
    return with_words(done, comment_words(value.message, model) if kind is Kind.COMMENT else None)


def instagram(value: InstagramValue, account: str, at: datetime, model: ModelOnce) -> Message | str:
    """What an Instagram `comments` or `live_comments` change is, or why it is ignored."""
    if value.from_ is not None and value.from_.id == account:
        if value.parent_id:
            return _answer(Network.INSTAGRAM, value.id, value.parent_id, at)
        return OWN_ACTIVITY
    if value.from_ is None or value.media is None or value.id is None:
        return INCOMPLETE_CHANGE
    done = act(
        SOURCE,
        Network.INSTAGRAM,
        Kind.COMMENT,
        value.from_.id,
        at,
        target_post_id=value.media.id,
        target_author_id=account,
        own_post_id=value.id,
    )
    return with_words(done, comment_words(value.text, model))
