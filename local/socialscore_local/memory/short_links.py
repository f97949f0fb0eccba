"""Short links resolved in memory (pipeline.ports.ShortLinkResolver), answering as
providers.short_links.ShortLinks answers from the shorteners: a world of links, each
redirecting to a URL or answering a status, and the same outcomes for it:

- a redirect to a post link: that post (never fetched); to another short link: followed, within
  the hop limit (`short_link_too_many_hops` past it); to anything else: `short_link_to_no_post`;
- 404 or 410 (and a link the world does not hold, as a shortener 404s it):
  `short_link_not_found`; 429 or 5xx: transient (SQS retries the record); any other answer (an
  interstitial page): `short_link_without_redirect`;
- a definitive answer is remembered, a transient one is asked again (`fetches` counts the
  shortener's answers).

The same world on both: tests/integration/test_short_link_contract.py.
"""

from __future__ import annotations

from socialscore.domain import permalink
from socialscore.domain.permalink import Resolution


class MemoryShortLinks:
    def __init__(self, world: dict[str, str | int] | None = None, *, hops: int = 3) -> None:
        """`world`: a short link -> the URL it redirects to, or the status it answers."""
        self.world: dict[str, str | int] = dict(world or {})
        self.fetches = 0
        self._hops = hops
        self._known: dict[str, Resolution] = {}

    def resolve_many(self, links: list[str]) -> dict[str, Resolution]:
        return {link: self.resolve(link) for link in dict.fromkeys(links)}

    def resolve(self, link: str) -> Resolution:
        if link in self._known:
            return self._known[link]
        resolution = self._follow(link.strip())
        if not resolution.transient:
            self._known[link] = resolution
        return resolution

    def _follow(self, current: str) -> Resolution:
        for _ in range(self._hops):
            if not permalink.is_short_link(current):
                return _post(current)
            self.fetches += 1
            answer = self.world.get(current, 404)
            if isinstance(answer, str):
                current = answer
                continue
            if answer == 429 or answer >= 500:
                return Resolution(transient=True)
            if answer in (404, 410):
                return Resolution(drop_reason="short_link_not_found")
            return Resolution(drop_reason="short_link_without_redirect")
        if not permalink.is_short_link(current):
            return _post(current)
        return Resolution(drop_reason="short_link_too_many_hops")


def _post(link: str) -> Resolution:
    try:
        return Resolution(ref=permalink.parse(link))
    except permalink.UnparseablePermalink:
        return Resolution(drop_reason="short_link_to_no_post")
