"""The short-link resolver's fake (socialscore_local.memory.short_links) answers as the resolver
does: one world of links, served to ShortLinks by the stub shortener on 127.0.0.1 and held by
the fake, resolves to the same posts and drop reasons, remembers the same answers and asks the
shorteners as often. The rehydrator's rules on short links are proven on the fake
(tests/unit/test_rehydrate_links.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from socialscore.domain.interaction import Network
from socialscore.domain.permalink import Resolution
from socialscore.domain.post import PostRef
from socialscore.pipeline.ports import ShortLinkResolver
from socialscore.providers.short_links import ShortLinks
from socialscore_local.memory.short_links import MemoryShortLinks
from tests.stubs.shortener_stub import Shortener

POST = "2100000000000000001"
WORLD: dict[str, str | int] = {
    "https://t.co/ok": f"https://x.com/acme/status/{POST}?s=20",
    "https://lnkd.in/chain": "https://t.co/ok",
    "https://t.co/old": 410,
    "https://t.co/page": 200,  # an interstitial page
    "https://t.co/busy": 503,
    "https://t.co/slow": 429,
    "https://t.co/ad": "https://ads.example/landing?next=https://t.co/ok",
    "https://t.co/loop": "https://t.co/loop",
}
EXPECTED = {
    "https://t.co/ok": Resolution(ref=PostRef(Network.X, POST)),
    "https://lnkd.in/chain": Resolution(ref=PostRef(Network.X, POST)),
    "https://t.co/unknown": Resolution(drop_reason="short_link_not_found"),
    "https://t.co/old": Resolution(drop_reason="short_link_not_found"),
    "https://t.co/page": Resolution(drop_reason="short_link_without_redirect"),
    "https://t.co/busy": Resolution(transient=True),
    "https://t.co/slow": Resolution(transient=True),
    "https://t.co/ad": Resolution(drop_reason="short_link_to_no_post"),
    "https://t.co/loop": Resolution(drop_reason="short_link_too_many_hops"),
    f"https://x.com/i/web/status/{POST}": Resolution(ref=PostRef(Network.X, POST)),  # no hop
}


@pytest.fixture(params=["fake", "stub"])
def resolver(request: pytest.FixtureRequest) -> Iterator[MemoryShortLinks | ShortLinks]:
    if request.param == "fake":
        yield MemoryShortLinks(WORLD)
        return
    with Shortener() as shortener:
        for link, answer in WORLD.items():
            parts = urlsplit(link)
            route = (301, answer) if isinstance(answer, str) else (answer, None)
            shortener.routes[(parts.hostname or "", parts.path)] = route
        yield ShortLinks(endpoints=shortener.endpoints())


def test_the_same_world_resolves_to_the_same_posts_and_reasons(
    resolver: MemoryShortLinks | ShortLinks,
) -> None:
    port: ShortLinkResolver = resolver
    assert port.resolve_many(list(EXPECTED)) == EXPECTED


def test_definitive_answers_are_remembered_and_transient_ones_asked_again(
    resolver: MemoryShortLinks | ShortLinks,
) -> None:
    links = list(EXPECTED)
    resolver.resolve_many(links)
    first = resolver.fetches
    # ok 1, chain 2, unknown, old, page, busy, slow, ad 1 each, loop 3 (the hop limit)
    assert first == 12

    assert resolver.resolve_many(links) == EXPECTED
    assert resolver.fetches - first == 2  # busy and slow, transient: asked again
