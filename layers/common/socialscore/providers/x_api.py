"""The X API v2 post lookup as a social data provider: `GET /2/tweets?ids=`, 100 ids a call.

- Each call also asks for the posts' authors (`expansions=author_id`, `user.fields=
  public_metrics`): an author's follower count comes with its posts, in the same call.
- Every id goes in as few calls as the 100-id limit allows; a post listed in the answer's
  `errors` (not found, not authorised) comes back gone, with its reason.
- 400 for ids X calls invalid (a malformed id fails the whole call): those come back `refused`
  and the call is made again without them; a 400 that names no id is split in halves, down to
  the ids at fault (at most 2n - 1 calls for n ids). A 400 about another parameter is this
  code's fault, not an id's: `ProviderUnavailable`.
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

from collections.abc import Callable
from typing import NoReturn, Unpack
from urllib.parse import urlencode, urlsplit

from socialscore.aws.batch import chunks
from socialscore.aws.http import USER_AGENT
from socialscore.aws.logs import logger
from socialscore.aws.secrets import text_secret
from socialscore.domain.interaction import Network
from socialscore.domain.post import PostRef
from socialscore.providers.base import (
    Lookup,
    ProviderStopped,
    ProviderUnavailable,
    ask_in_parts,
)
from socialscore.providers.token_get import Answer, HttpOptions, TokenGet
from socialscore.providers.x_answers import invalid_ids, problem_title, read_posts

DEFAULT_BASE_URL = "https://api.x.com"
MAX_IDS = 100  # GET /2/tweets accepts 1 to 100 ids
TWEET_FIELDS = "author_id,conversation_id,created_at,note_tweet,referenced_tweets"
# Each post's author, with its follower count, in the same answer (`includes.users`): the
# influencer bucket's `followers` costs no call of its own.
EXPANSIONS = "author_id"
USER_FIELDS = "public_metrics"


class BearerToken:
    """The app's bearer token from a Secrets Manager secret: `{"bearer_token": "..."}` or bare."""

    def __init__(self, secret_arn: str) -> None:
        self._arn = secret_arn

    def __call__(self, refresh: bool = False) -> str:
        return text_secret(self._arn, "bearer_token", refresh=refresh)


class XApiProvider(TokenGet):
    """Post facts from the X API v2; `calls` counts HTTP requests, retries and 429s included."""

    networks = frozenset({Network.X})
    max_ids_per_call: int | None = MAX_IDS
    vendor = "X API"
    base_url_setting = "X_API_BASE_URL"  # the bearer token must never travel in clear text
    no_token = ("X API bearer token is not set (see README, X provider)", "no_bearer_token")
    limited_log = "X API rate limit reached"
    readable = frozenset({200, 400})  # a 400 may name the ids at fault

    def __init__(
        self,
        bearer_token: Callable[[bool], str],
        base_url: str = DEFAULT_BASE_URL,
        **http: Unpack[HttpOptions],
    ) -> None:
        super().__init__(bearer_token, base_url, **http)

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        answered: dict[PostRef, Lookup] = {}
        ids = list(dict.fromkeys(r.post_id for r in refs if r.network is Network.X))
        for ref in refs:
            if ref.network is not Network.X:
                answered[ref] = Lookup(None, gone_reason="no_provider_for_network")
        return ask_in_parts(answered, chunks(ids, MAX_IDS), self._lookup_chunk)

    # --- one chunk: one call, more when X refuses ids ----------------------------------------
    def _lookup_chunk(self, ids: list[str]) -> dict[PostRef, Lookup]:
        answered: dict[PostRef, Lookup] = {}
        parts = [ids]
        try:
            while parts:
                part = parts.pop()
                query = urlencode(
                    {
                        "ids": ",".join(part),
                        "tweet.fields": TWEET_FIELDS,
                        "expansions": EXPANSIONS,
                        "user.fields": USER_FIELDS,
                    },
                    safe=",",
                )
                answer = self._get(f"{self._base}/2/tweets?{query}")
                if answer.status == 200:
                    answered |= _readable(answer, part)
                    continue
                named = invalid_ids(answer.body, part)
                if named is None:
                    _refuse_request(answer)
                if named or len(part) == 1:
                    refused = named or set(part)
                    logger().warning(
                        "X API refused post ids",
                        extra={"refused": len(refused), "problem": problem_title(answer.body)},
                    )
                    answered |= {_ref(i): Lookup(None, refused="invalid_id") for i in refused}
                    rest = [i for i in part if i not in refused]
                    parts += [rest] if rest else []
                else:
                    half = len(part) // 2
                    parts += [part[half:], part[:half]]
        except ProviderStopped as stopped:
            stopped.answered = answered | dict(stopped.answered)
            raise
        return answered

    def _headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}

    def _reset(self, answer: Answer) -> float | None:
        """A spent limit resets at a 429, or when the answer says none is left."""
        reset = answer.headers.get("x-rate-limit-reset", "")
        remaining = answer.headers.get("x-rate-limit-remaining", "")
        if answer.status != 429 and remaining != "0":
            return None
        try:
            return float(reset)
        except ValueError:
            return self.clock() + 60  # a 429 without its header: back off a minute

    def _refuse(self, answer: Answer) -> NoReturn:
        if 300 <= answer.status < 400:
            _refuse_redirect(answer)
        _refuse_request(answer)

    def _problem(self, answer: Answer) -> str:
        return f"http {answer.status}: {problem_title(answer.body)}"


def _readable(answer: Answer, ids: list[str]) -> dict[PostRef, Lookup]:
    try:
        return read_posts(answer.body, ids)
    except (ValueError, KeyError, TypeError, AttributeError):
        logger().error("X API answer unreadable", extra={"ids": len(ids)})
        raise ProviderUnavailable(reason="unreadable_answer") from None


def _refuse_request(answer: Answer) -> NoReturn:
    problem = f"http {answer.status}: {problem_title(answer.body)}"
    logger().error("X API refused the request", extra={"problem": problem})
    raise ProviderUnavailable(reason=f"http_{answer.status}")


def _ref(post_id: str) -> PostRef:
    return PostRef(Network.X, post_id)


def _refuse_redirect(answer: Answer) -> NoReturn:
    """Never follow: the token would go where the redirect names. Retrying would not help."""
    location = urlsplit(answer.headers.get("location", ""))
    logger().error(
        "X API answered with a redirect: not followed",
        extra={"status": answer.status, "location_host": location.hostname or ""},
    )
    raise ProviderUnavailable(reason=f"http_{answer.status}_redirect_not_followed")
