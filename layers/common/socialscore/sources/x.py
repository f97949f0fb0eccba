"""X Account Activity API webhooks: CRC, signatures, and events normalised to interactions.

X signs the raw body with the app's consumer secret (`x-twitter-webhooks-signature:
sha256=<base64 HMAC-SHA256>`) and proves the endpoint with a CRC `GET ?crc_token=`. It signs no
timestamp, so a replayed delivery is caught downstream: its acts have the same ids.
Ids are strings (`id_str`): they exceed the 53 bits a JSON number keeps exactly.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from socialscore.domain.interaction import (
    Interaction,
    Kind,
    Network,
    PostDeleted,
    act,
    post_key,
    retraction,
)
from socialscore.sources.base import (
    Answer,
    Message,
    NetworkId,
    live_secrets,
    secret_field,
    unix_time,
)
from socialscore.sources.signatures import hmac_sha256, require

SOURCE = "x"
SIGNATURE = "x-twitter-webhooks-signature"
OAUTH2_SIGNATURE = "x-twitter-webhooks-signature-oauth2"
# The CRC answer is HMAC(consumer secret, token): exactly the signature of a POST whose body is
# the token. Answer only X's tokens (short, base64 and URL-safe characters) so that no answer
# can sign a body: a delivery is a JSON object, and nothing of these characters is one.
CRC_TOKEN_MAX = 256
CRC_TOKEN_PATTERN = rf"^[A-Za-z0-9_\-=+/.:]{{1,{CRC_TOKEN_MAX}}}$"  # published in the OpenAPI
CRC_TOKEN = re.compile(CRC_TOKEN_PATTERN)


# X ids are 64-bit: at most 19 digits, and a longer one is a 400 here, not a lookup the X API
# refuses downstream. ASCII digits only (a pattern's \d would take any script's).
X_ID_DIGITS = 19
XId = Annotated[NetworkId, Field(max_length=X_ID_DIGITS, pattern=r"^[0-9]+$")]


class XUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id_str: XId | None = None
    id: XId | None = None

    @property
    def uid(self) -> str:
        uid = self.id_str or self.id
        if uid is None:
            raise ValueError("a user without id_str or id")
        return uid


class XEntities(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_mentions: list[XUser] = Field(default_factory=list)


def _when(timestamp_ms: str | None, created_at: str | None) -> datetime:
    if timestamp_ms:
        return unix_time(int(timestamp_ms) / 1000)
    if created_at:
        return datetime.strptime(created_at, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    raise ValueError("an event without timestamp_ms or created_at")


class XTweet(BaseModel):
    model_config = ConfigDict(extra="ignore")

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

    @property
    def at(self) -> datetime:
        return _when(self.timestamp_ms, self.created_at)


class XFavorite(BaseModel):
    model_config = ConfigDict(extra="ignore")

    timestamp_ms: int | str | None = None
    created_at: str | None = None
    favorited_status: XTweet
    user: XUser


class XFollow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    created_timestamp: str | None = None
    target: XUser
    source: XUser


class XDeletedStatus(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: XId
    user_id: XId | None = None


class XDelete(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: XDeletedStatus
    timestamp_ms: int | str


class XActivity(BaseModel):
    """One Account Activity delivery; event arrays socialscore does not use are ignored."""

    model_config = ConfigDict(extra="ignore")

    for_user_id: XId
    tweet_create_events: list[XTweet] = Field(default_factory=list, max_length=1000)
    favorite_events: list[XFavorite] = Field(default_factory=list, max_length=1000)
    follow_events: list[XFollow] = Field(default_factory=list, max_length=1000)
    tweet_delete_events: list[XDelete] = Field(default_factory=list, max_length=1000)


def _tweet(tweet: XTweet, account: str) -> Interaction | None:
    """What a new tweet did to the subscribed account's world, if anything."""
    actor = tweet.user.uid
    target: tuple[Kind, str, str | None] | None = None
    if tweet.retweeted_status is not None:
        original = tweet.retweeted_status
        target = (Kind.SHARE, original.id_str, original.user.uid)
    elif tweet.quoted_status is not None:
        quoted = tweet.quoted_status
        target = (Kind.QUOTE, quoted.id_str, quoted.user.uid)
    elif tweet.quoted_status_id_str is not None:
        target = (Kind.QUOTE, tweet.quoted_status_id_str, None)
    elif tweet.in_reply_to_status_id_str is not None:
        target = (Kind.COMMENT, tweet.in_reply_to_status_id_str, tweet.in_reply_to_user_id_str)
    if target is not None:
        kind, post, author = target
        if author == actor:  # replying to or retweeting oneself earns no credit
            return None
        return act(
            SOURCE,
            Network.X,
            kind,
            actor,
            tweet.at,
            target_post_id=post,
            target_author_id=author,
            own_post_id=tweet.id_str,
        )
    mentioned = {u.uid for u in tweet.entities.user_mentions}
    if account in mentioned and actor != account:
        return act(
            SOURCE,
            Network.X,
            Kind.MENTION,
            actor,
            tweet.at,
            target_user_id=account,
            own_post_id=tweet.id_str,
        )
    return None  # the account's own post, or one that only passes through


def normalise(activity: XActivity) -> list[Message]:
    account = activity.for_user_id
    out: list[Message] = [m for t in activity.tweet_create_events if (m := _tweet(t, account))]
    for fav in activity.favorite_events:
        stamp = str(fav.timestamp_ms) if fav.timestamp_ms is not None else None
        out.append(
            act(
                SOURCE,
                Network.X,
                Kind.LIKE,
                fav.user.uid,
                _when(stamp, fav.created_at),
                target_post_id=fav.favorited_status.id_str,
                target_author_id=fav.favorited_status.user.uid,
            )
        )
    for follow in activity.follow_events:
        at = _when(follow.created_timestamp, None)
        ids = (SOURCE, Network.X, Kind.FOLLOW, follow.source.uid, at)
        if follow.type == "follow":
            out.append(act(*ids, target_user_id=follow.target.uid))
        elif follow.type == "unfollow":
            out.append(retraction(*ids, target_user_id=follow.target.uid))
    for deleted in activity.tweet_delete_events:
        out.append(
            PostDeleted(
                source=SOURCE,
                post=post_key(Network.X, deleted.status.id),
                occurred_at=_when(str(deleted.timestamp_ms), None),
            )
        )
    return out


class XSource:
    name = SOURCE
    success_status = 200
    methods: tuple[str, ...] = ("GET", "POST")

    def verify(self, secrets: Any, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        def sign(secret: str) -> str:
            return _signature(secret, body)

        consumer = live_secrets(secret_field(secrets, "consumer_secrets"))
        require(consumer, sign, headers.get(SIGNATURE, ""), SIGNATURE)
        if OAUTH2_SIGNATURE in headers:
            clients = live_secrets(secret_field(secrets, "oauth2_client_secrets"))
            require(clients, sign, headers[OAUTH2_SIGNATURE], OAUTH2_SIGNATURE)

    def messages(self, body: bytes, received: datetime) -> list[Message]:
        return normalise(XActivity.model_validate_json(body))

    def challenge(self, secrets: Any, query: Mapping[str, str]) -> Answer:
        """The CRC answer; the first consumer secret listed is the live one."""
        token = query.get("crc_token", "")
        if not CRC_TOKEN.fullmatch(token):
            return Answer(400, _bad_crc_token(token))
        consumer = live_secrets(secret_field(secrets, "consumer_secrets"))
        if not consumer:
            return Answer(401, {"error": "no X consumer secret is configured"})
        return Answer(200, {"response_token": _signature(consumer[0], token.encode())})


def _bad_crc_token(token: str) -> dict[str, Any]:
    """A Problem naming crc_token. The token is not echoed: it is the caller's arbitrary text."""
    if not token:
        reason = "crc_token is required"
    elif len(token) > CRC_TOKEN_MAX:
        reason = f"crc_token is longer than {CRC_TOKEN_MAX} characters"
    else:
        reason = "crc_token may hold only ASCII letters, digits and _-=+/.:"
    return {"error": "invalid CRC check", "fields": [{"field": "crc_token", "message": reason}]}


def _signature(secret: str, message: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac_sha256(secret.encode(), message)).decode()
