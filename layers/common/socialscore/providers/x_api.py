"""The X API v2 post lookup as a social data provider: `GET /2/tweets?ids=`, 100 ids a call.

- Every id goes in as few calls as the 100-id limit allows; a post listed in the answer's
  `errors` (not found, not authorised) comes back gone, with its reason.
- 429: the rate limit is spent until `x-rate-limit-reset`; no further call is made before then
  (`ProviderRateLimited`), and an answer that says `x-rate-limit-remaining: 0` stops the next
  call before it is wasted.
- 5xx, timeouts and dropped connections: a few attempts with backoff, then
  `ProviderUnavailable`. Both carry the answers of the calls that did succeed.
- A redirect is never followed (`ProviderUnavailable` at once): the request carries the bearer
  token, and the lookup never redirects; a 3xx means a wrong base URL or something in between.
- Connections come from the container's pool (`aws.http`): TLS verified, kept alive.
- The bearer token comes from Secrets Manager through Powertools parameters (cached 5 minutes,
  fetched afresh once on a 401, as after a rotation).

The post's text is read for intent keywords in memory only: it is never logged, and neither is
a response body.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

import urllib3

from socialscore.aws.batch import chunks
from socialscore.aws.http import TRANSPORT_ERRORS, USER_AGENT, backoff, secure_origin, shared_pool
from socialscore.aws.logs import logger
from socialscore.aws.secrets import text_secret
from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.providers.base import (
    Lookup,
    ProviderRateLimited,
    ProviderStopped,
    ProviderUnavailable,
)

DEFAULT_BASE_URL = "https://api.x.com"
MAX_IDS = 100  # GET /2/tweets accepts 1 to 100 ids
TWEET_FIELDS = "author_id,conversation_id,created_at,note_tweet,referenced_tweets"
# Which referenced post a post is "about", when it has several (a reply that quotes).
_REFERENCE_ORDER = ("replied_to", "quoted", "retweeted")
# `errors[].type` of a post that cannot be read, as the reason an interaction is dropped.
_GONE_REASONS = {
    "https://api.twitter.com/2/problems/resource-not-found": "not_found",
    "https://api.twitter.com/2/problems/not-authorized-for-resource": "not_authorized",
}


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class BearerToken:
    """The app's bearer token from a Secrets Manager secret: `{"bearer_token": "..."}` or bare."""

    def __init__(self, secret_arn: str) -> None:
        self._arn = secret_arn

    def __call__(self, refresh: bool = False) -> str:
        return text_secret(self._arn, "bearer_token", refresh=refresh)


class XApiProvider:
    """Post facts from the X API v2; `calls` counts HTTP requests, retries and 429s included."""

    networks = frozenset({Network.X})
    max_ids_per_call: int | None = MAX_IDS

    def __init__(
        self,
        bearer_token: Callable[[bool], str],
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        pool: urllib3.PoolManager | None = None,
    ) -> None:
        # The bearer token must never travel in clear text.
        self._base = secure_origin(base_url, "X_API_BASE_URL")
        self._token = bearer_token
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._pool = pool if pool is not None else shared_pool()
        self.calls = 0
        self.limited_until = 0.0  # unix seconds; no call before then

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        answered: dict[PostRef, Lookup] = {}
        ids = list(dict.fromkeys(r.post_id for r in refs if r.network is Network.X))
        for ref in refs:
            if ref.network is not Network.X:
                answered[ref] = Lookup(None, gone_reason="no_provider_for_network")
        for chunk in chunks(ids, MAX_IDS):
            try:
                answered |= self._lookup_chunk(chunk)
            except ProviderStopped as stopped:
                stopped.answered = answered | dict(stopped.answered)
                raise
        return answered

    # --- one call ----------------------------------------------------------------------------
    def _lookup_chunk(self, ids: list[str]) -> dict[PostRef, Lookup]:
        query = urlencode({"ids": ",".join(ids), "tweet.fields": TWEET_FIELDS}, safe=",")
        answer = self._get(f"{self._base}/2/tweets?{query}")
        try:
            document = json.loads(answer.body)
            return _read(document, ids)
        except (ValueError, KeyError, TypeError, AttributeError):
            logger().error("X API answer unreadable", extra={"ids": len(ids)})
            raise ProviderUnavailable(reason="unreadable_answer") from None

    def _get(self, url: str) -> _Answer:
        problem = "no attempt made"
        refreshed = False
        attempt = 0
        while attempt < self._attempts:
            if self._clock() < self.limited_until:
                raise ProviderRateLimited(reset_at=self.limited_until)
            token = self._token(False)
            if not token:
                logger().error("X API bearer token is not set (see README, X provider)")
                raise ProviderUnavailable(reason="no_bearer_token")
            self.calls += 1
            try:
                answer = self._request(url, token)
            except TRANSPORT_ERRORS as err:
                problem = f"{type(err).__name__}"
            else:
                self._note_limit(answer)
                if answer.status == 200:
                    return answer
                if 300 <= answer.status < 400:
                    _refuse_redirect(answer)
                if answer.status == 429:
                    logger().warning(
                        "X API rate limit reached", extra={"reset_at": self.limited_until}
                    )
                    raise ProviderRateLimited(reset_at=self.limited_until)
                if answer.status == 401 and not refreshed:
                    self._token(True)  # a rotated token: fetch it afresh, once
                    refreshed = True
                    continue
                problem = f"http {answer.status}: {_title(answer.body)}"
                if answer.status < 500:
                    logger().error("X API refused the request", extra={"problem": problem})
                    raise ProviderUnavailable(reason=f"http_{answer.status}")
            attempt += 1
            logger().warning("X API call failed", extra={"problem": problem, "attempt": attempt})
            if attempt < self._attempts:
                self._sleep(backoff(self._backoff, attempt))
        raise ProviderUnavailable(reason=problem)

    def _request(self, url: str, token: str) -> _Answer:
        # Retries off: the loop in `_get` owns them (backoff, 429, 401), and urllib3's own
        # would multiply them. Redirects off: the token goes to this host and no other.
        reply = self._pool.urlopen(
            "GET",
            url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT},
            redirect=False,
            retries=False,
            timeout=self._timeout,
        )
        return _Answer(reply.status, _lower(reply.headers.items()), reply.data)

    def _note_limit(self, answer: _Answer) -> None:
        """Remember when a spent limit resets: at a 429, or when the answer says none is left."""
        reset = answer.headers.get("x-rate-limit-reset", "")
        remaining = answer.headers.get("x-rate-limit-remaining", "")
        if answer.status != 429 and remaining != "0":
            return
        try:
            until = float(reset)
        except ValueError:
            until = self._clock() + 60  # a 429 without its header: back off a minute
        self.limited_until = max(self.limited_until, until)


def _refuse_redirect(answer: _Answer) -> NoReturn:
    """Never follow: the token would go where the redirect names. Retrying would not help."""
    location = urlsplit(answer.headers.get("location", ""))
    logger().error(
        "X API answered with a redirect: not followed",
        extra={"status": answer.status, "location_host": location.hostname or ""},
    )
    raise ProviderUnavailable(reason=f"http_{answer.status}_redirect_not_followed")


def _read(document: dict[str, Any], ids: list[str]) -> dict[PostRef, Lookup]:
    wanted = set(ids)
    found: dict[PostRef, Lookup] = {}
    for tweet in document.get("data") or []:
        if tweet["id"] not in wanted:
            continue
        references = {r["type"]: r["id"] for r in tweet.get("referenced_tweets") or []}
        referenced = next((references[k] for k in _REFERENCE_ORDER if k in references), None)
        facts = PostFacts(
            network=Network.X,
            post_id=tweet["id"],
            author_id=tweet["author_id"],
            created_at=tweet["created_at"],
            referenced_post_id=referenced,
            conversation_id=tweet.get("conversation_id"),
        )
        # A long post's full text is in note_tweet; `text` is its first 280 characters.
        text = (tweet.get("note_tweet") or {}).get("text") or tweet.get("text")
        found[facts.ref] = Lookup(facts, text=text)
    for error in document.get("errors") or []:
        post_id = error.get("resource_id") or error.get("value")
        if post_id not in wanted or error.get("parameter", "ids") != "ids":
            continue
        ref = PostRef(Network.X, post_id)
        if ref not in found:
            found[ref] = Lookup(None, gone_reason=_gone_reason(error.get("type", "")))
    for post_id in ids:  # neither in data nor in errors: X says nothing about it
        found.setdefault(PostRef(Network.X, post_id), Lookup(None, gone_reason="not_returned"))
    return found


def _gone_reason(problem_type: str) -> str:
    if problem_type in _GONE_REASONS:
        return _GONE_REASONS[problem_type]
    return problem_type.rsplit("/", 1)[-1].replace("-", "_") or "unknown_error"


def _title(body: bytes) -> str:
    """The problem's title from an error answer (never the body itself: it is not ours to log)."""
    try:
        return str(json.loads(body).get("title", ""))[:80]
    except (ValueError, AttributeError):
        return ""


def _lower(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}
