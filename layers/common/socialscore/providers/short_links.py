"""Short links (t.co, lnkd.in, vm.tiktok.com, instagram.com/share/, ...) to the post behind them.

A bounded redirect lookup that only ever connects to the shorteners' own hosts
(`permalink.is_short_link`): each hop is one GET whose redirect is read, never followed
blindly. It stops as soon as the `Location` is a post link socialscore can parse (that post
is never fetched), and gives up with a reason when a redirect leads anywhere else, when there
are too many hops, or when the shortener answers without a redirect (some show an interstitial
page instead: those links are dropped, not scraped).

Outcomes: a post, a drop with its reason (definitive: not retried), or `transient` (timeout,
5xx, 429: the record is retried through SQS). Definitive answers are remembered per container.

Requests go through the container's pool (`aws.http`), always https to the shortener's
own host with its certificate checked, and carry no credential of any kind.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.util import parse_url

from socialscore.aws.http import TRANSPORT_ERRORS, USER_AGENT, shared_pool
from socialscore.aws.logs import logger
from socialscore.domain import permalink
from socialscore.domain.permalink import Resolution

if TYPE_CHECKING:
    from urllib3 import BaseHTTPResponse

_REDIRECTS = {301, 302, 303, 307, 308}
_REMEMBERED = 10_000
# A redirect's body is a few bytes, read to hand the connection back for the next hop; past
# this (an interstitial page), a new connection costs less than reading the rest.
_DRAIN_LIMIT = 64 * 1024


class ShortLinks:
    def __init__(
        self,
        *,
        hops: int = 3,
        timeout: float = 2.0,
        budget_seconds: float = 10.0,
        endpoints: Mapping[str, str] | None = None,
        pool: urllib3.PoolManager | None = None,
    ) -> None:
        """`endpoints` maps a shortener's host to where to connect instead (tests: a loopback
        stub, over plain http); the request still names the shortener's host."""
        self._pool = pool if pool is not None else shared_pool()
        self._hops = hops
        self._timeout = timeout
        self._budget = budget_seconds
        self._endpoints = dict(endpoints or {})
        self._known: dict[str, Resolution] = {}
        self.fetches = 0

    def resolve_many(self, links: list[str]) -> dict[str, Resolution]:
        """Every link's resolution; past the time budget, the rest are transient."""
        deadline = time.monotonic() + self._budget
        out: dict[str, Resolution] = {}
        for link in dict.fromkeys(links):
            if time.monotonic() > deadline and link not in self._known:
                out[link] = Resolution(transient=True)
                continue
            out[link] = self.resolve(link)
        return out

    def resolve(self, link: str) -> Resolution:
        if link in self._known:
            return self._known[link]
        resolution = self._follow(link)
        if not resolution.transient:
            if len(self._known) >= _REMEMBERED:
                self._known.clear()
            self._known[link] = resolution
        if resolution.ref is None:
            logger().info(
                "short link not resolved",
                extra={
                    "host": permalink.host_of(link),
                    "reason": resolution.drop_reason or "transient",
                },
            )
        return resolution

    def _follow(self, link: str) -> Resolution:
        current = link.strip()
        for hop in range(self._hops + 1):
            if not permalink.is_short_link(current):
                try:
                    return Resolution(ref=permalink.parse(current))
                except permalink.UnparseablePermalink:
                    return Resolution(drop_reason="short_link_to_no_post")
            if hop == self._hops:
                break
            try:
                status, location = self._fetch(current)
            except urllib3.exceptions.LocationParseError:
                return Resolution(drop_reason="short_link_to_no_post")  # no request can name it
            except TRANSPORT_ERRORS:
                return Resolution(transient=True)
            if status in _REDIRECTS and location:
                current = urljoin(current, location)
                continue
            if status == 429 or status >= 500:
                return Resolution(transient=True)
            if status in (404, 410):
                return Resolution(drop_reason="short_link_not_found")
            return Resolution(drop_reason="short_link_without_redirect")
        return Resolution(drop_reason="short_link_too_many_hops")

    def _fetch(self, link: str) -> tuple[int, str | None]:
        """One GET to a shortener's host; returns (status, Location). Never follows a redirect."""
        host = (urlsplit(link).hostname or "").rstrip(".")
        target = parse_url(link).request_uri  # percent-encodes what a request line cannot carry
        endpoint = self._endpoints.get(host)
        if endpoint is not None:
            local = urlsplit(endpoint)
            to = self._pool.connection_from_host(local.hostname, local.port, scheme="http")
        else:  # always https to the shortener itself, whatever the link said
            to = self._pool.connection_from_host(host, 443, scheme="https")
        self.fetches += 1
        reply = to.urlopen(
            "GET",
            target,
            headers={"Host": host, "User-Agent": USER_AGENT},
            redirect=False,
            retries=False,
            timeout=self._timeout,
            preload_content=False,
        )
        try:
            return reply.status, reply.headers.get("location")
        finally:
            _release(reply)


def _release(reply: BaseHTTPResponse) -> None:
    """Give the connection back to the pool, or drop it when the rest of the body is large."""
    try:
        rest = reply.read(_DRAIN_LIMIT, decode_content=False)
        finished = len(rest) < _DRAIN_LIMIT or not reply.read(1, decode_content=False)
    except TRANSPORT_ERRORS:
        finished = False
    if not finished:
        reply.close()  # closes the connection: the pool opens a new one when it next needs it
    reply.release_conn()
