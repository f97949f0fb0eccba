"""Short links (t.co, lnkd.in, vm.tiktok.com, instagram.com/share/, ...) to the post behind them.

A bounded redirect lookup that only ever connects to the shorteners' own hosts
(`permalink.is_short_link`): each hop is one GET whose redirect is read, never followed
blindly. It stops as soon as the `Location` is a post link socialscore can parse (that post
is never fetched), and gives up with a reason when a redirect leads anywhere else, when there
are too many hops, or when the shortener answers without a redirect (some show an interstitial
page instead: those links are dropped, not scraped).

Outcomes: a post, a drop with its reason (definitive: not retried), or `transient` (timeout,
5xx, 429: the record is retried through SQS). Definitive answers are remembered per container.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from aws_lambda_powertools import Logger

from socialscore.domain import permalink
from socialscore.domain.post import PostRef

logger = Logger(child=True)

_REDIRECTS = {301, 302, 303, 307, 308}
_REMEMBERED = 10_000


@dataclass(frozen=True)
class Resolution:
    ref: PostRef | None = None
    drop_reason: str | None = None  # definitive: the link names no post socialscore can read
    transient: bool = False  # the shortener did not answer properly: try again later


class ShortLinks:
    def __init__(
        self,
        *,
        hops: int = 3,
        timeout: float = 2.0,
        budget_seconds: float = 10.0,
        endpoints: Mapping[str, str] | None = None,
    ) -> None:
        """`endpoints` maps a shortener's host to where to connect instead (tests: a loopback
        stub); the request still names the shortener's host."""
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
            logger.info(
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
            except (TimeoutError, OSError, http.client.HTTPException):
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
        parts = urlsplit(link)
        host = (parts.hostname or "").rstrip(".")
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        endpoint = self._endpoints.get(host)
        connection: http.client.HTTPConnection
        if endpoint is not None:
            local = urlsplit(endpoint)
            connection = http.client.HTTPConnection(
                local.hostname or "127.0.0.1", local.port, timeout=self._timeout
            )
        else:  # always https to the shortener itself, whatever the link said
            connection = http.client.HTTPSConnection(host, timeout=self._timeout)
        self.fetches += 1
        try:
            connection.request("GET", target, headers={"Host": host, "User-Agent": "socialscore"})
            reply = connection.getresponse()
            return reply.status, reply.getheader("location")
        finally:
            connection.close()
