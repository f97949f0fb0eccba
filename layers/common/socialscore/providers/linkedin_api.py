"""LinkedIn's versioned REST API as a social data provider: who posted a LinkedIn post, and when.

The post lookup is the Posts API's batch get, `GET /rest/posts?ids=List(<urn>,...)`:
- every call carries `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version: 2.0.0`
  (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api);
- in Rest.li 2.0 a batch get lists its keys as `ids=List(a,b)`, each key URL-encoded and the
  parentheses not (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/
  protocol-version); the answer maps each key to its post under `results`, and to its error
  (`status`, `message`) under `errors`;
- a query string over 4 KB is refused (414,
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/query-tunneling): 50
  encoded share URNs (about 40 characters each) keep a call near 2 KB;
- the Posts API keys posts by `urn:li:share` and `urn:li:ugcPost`: an `urn:li:activity` (or a
  comment) is no key of it, so it is answered "cannot tell" without a call;
- limits are per day, per application and per member, reset at midnight UTC, and a limited call
  is a 429 (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits):
  after a 429 no call is made before the next midnight UTC (`ProviderRateLimited`).
5xx answers and transport errors are retried with backoff, then `ProviderUnavailable`; a 401
fetches the token afresh once (a rotation); a redirect is never followed (the token would go
with it). The access token comes from Secrets Manager. A post's text is never read: LinkedIn's
notifications carry a comment's words, and a reshare's own words earn nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, Unpack
from urllib.parse import quote, unquote

from socialscore.aws.batch import chunks
from socialscore.aws.http import USER_AGENT
from socialscore.aws.logs import logger
from socialscore.aws.secrets import text_secret
from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.providers.base import (
    Lookup,
    ProviderUnavailable,
    ask_in_parts,
)
from socialscore.providers.token_get import Answer, HttpOptions, TokenGet

DEFAULT_BASE_URL = "https://api.linkedin.com"
# A version LinkedIn still serves (each is served about a year): set LINKEDIN_API_VERSION to a
# newer one as LinkedIn sunsets this.
DEFAULT_VERSION = "202510"
MAX_IDS = 50
POST_KEYS = ("urn:li:share:", "urn:li:ugcPost:")
GONE = {403: "not_authorised", 404: "not_found", 410: "deleted"}


class AccessToken:
    """The app's OAuth access token (a Page admin's, with r_organization_social) from a Secrets
    Manager secret: `{"access_token": "..."}` or bare."""

    def __init__(self, secret_arn: str) -> None:
        self._arn = secret_arn

    def __call__(self, refresh: bool = False) -> str:
        return text_secret(self._arn, "access_token", refresh=refresh)


def next_midnight_utc(now: float) -> float:
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=1)).timestamp()


class LinkedInApiProvider(TokenGet):
    """Post facts from LinkedIn's Posts API; `calls` counts HTTP requests, retries included."""

    networks = frozenset({Network.LINKEDIN})
    max_ids_per_call: int | None = MAX_IDS
    vendor = "LinkedIn API"
    base_url_setting = "LINKEDIN_API_BASE_URL"
    no_token = (
        "LinkedIn access token is not set (see README, LinkedIn provider)",
        "no_access_token",
    )
    limited_log = "LinkedIn API limit reached"

    def __init__(
        self,
        access_token: Callable[[bool], str],
        base_url: str = DEFAULT_BASE_URL,
        version: str = DEFAULT_VERSION,
        **http: Unpack[HttpOptions],
    ) -> None:
        super().__init__(access_token, base_url, **http)
        self._version = version

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        answered: dict[PostRef, Lookup] = {}
        keys: list[str] = []
        for ref in refs:
            if ref.network is not Network.LINKEDIN:
                answered[ref] = Lookup(None, gone_reason="no_provider_for_network")
            elif ref.post_id.startswith(POST_KEYS):
                keys.append(ref.post_id)
            else:
                answered[ref] = Lookup(None)  # an activity or a comment: no key of the Posts API
        return ask_in_parts(answered, chunks(list(dict.fromkeys(keys)), MAX_IDS), self._batch)

    def _batch(self, keys: list[str]) -> dict[PostRef, Lookup]:
        ids = ",".join(quote(k, safe="") for k in keys)
        body = _json(self._get(f"{self._base}/rest/posts?ids=List({ids})").body)
        try:
            return _read(body, keys)
        except (ValueError, KeyError, TypeError, AttributeError):
            logger().error("LinkedIn API answer unreadable", extra={"ids": len(keys)})
            raise ProviderUnavailable(reason="unreadable_answer") from None

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": self._version,
            "X-Restli-Protocol-Version": "2.0.0",
            "X-RestLi-Method": "BATCH_GET",
            "User-Agent": USER_AGENT,
        }

    def _reset(self, answer: Answer) -> float | None:
        return next_midnight_utc(self.clock()) if answer.status == 429 else None

    def _refuse(self, answer: Answer) -> NoReturn:
        # a redirect, or a request LinkedIn refuses: ours to fix
        logger().error("LinkedIn API refused the request", extra={"status": answer.status})
        raise ProviderUnavailable(reason=f"http_{answer.status}")


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        logger().error("LinkedIn API answer is not JSON")
        raise ProviderUnavailable(reason="unreadable_answer") from None


def _read(body: Any, keys: list[str]) -> dict[PostRef, Lookup]:
    """Each key's post, or why it is gone. Keys come back as sent, or URL-encoded."""
    results = {unquote(k): v for k, v in (body.get("results") or {}).items()}
    errors = {unquote(k): v for k, v in (body.get("errors") or {}).items()}
    answered: dict[PostRef, Lookup] = {}
    for key in keys:
        ref = PostRef(Network.LINKEDIN, key)
        post = results.get(key)
        if post is not None and post.get("author"):
            created = post.get("publishedAt") or post.get("createdAt")
            facts = PostFacts(
                network=Network.LINKEDIN,
                post_id=key,
                author_id=str(post["author"]),
                created_at=datetime.fromtimestamp(created / 1000, UTC) if created else None,
            )
            answered[ref] = Lookup(facts)
        elif key in errors:
            status = int(errors[key].get("status", 404))
            answered[ref] = Lookup(None, gone_reason=GONE.get(status, f"http_{status}"))
        else:
            answered[ref] = Lookup(None, gone_reason="not_found")
    return answered
