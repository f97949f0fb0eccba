"""Short links resolved through a bounded redirect lookup against stub shorteners on 127.0.0.1.

The resolver connects only to shorteners' hosts (here mapped to a loopback stub that sees the
shortener's Host header); a redirect anywhere else is read, never fetched. What the rehydrator
does with each resolution is proven on the resolver's fake (tests/unit/test_rehydrate_links.py);
the fake answers as this resolver does (test_short_link_contract.py).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from socialscore.domain.interaction import Network
from socialscore.domain.permalink import Resolution
from socialscore.domain.post import PostRef
from socialscore.providers.short_links import ShortLinks
from tests.stubs.shortener_stub import Shortener

POST = "2100000000000000001"
X_LINK = f"https://x.com/acme/status/{POST}?s=20"


@pytest.fixture
def stubs() -> Iterator[tuple[Shortener, Shortener]]:
    """A shortener stub and an 'arbitrary host' stub that must never be asked anything."""
    with Shortener() as shortener, Shortener() as elsewhere:
        yield shortener, elsewhere


def resolver(shortener: Shortener, **kwargs: Any) -> ShortLinks:
    return ShortLinks(endpoints=shortener.endpoints(), **kwargs)


def test_a_t_co_link_resolves_to_its_post_without_fetching_the_post(
    stubs: tuple[Shortener, Shortener],
) -> None:
    shortener, _ = stubs
    shortener.routes[("t.co", "/AbC123")] = (301, X_LINK)
    links = resolver(shortener)

    assert links.resolve("https://t.co/AbC123") == Resolution(ref=PostRef(Network.X, POST))
    assert shortener.asked == [("t.co", "/AbC123")]


def test_chains_of_shorteners_are_followed_within_the_hop_limit(
    stubs: tuple[Shortener, Shortener],
) -> None:
    shortener, _ = stubs
    shortener.routes[("lnkd.in", "/eX1")] = (302, "https://t.co/Zz9?amp=1")
    shortener.routes[("t.co", "/Zz9?amp=1")] = (301, "/Yy8")  # relative: same shortener
    shortener.routes[("t.co", "/Yy8")] = (308, X_LINK)

    assert resolver(shortener).resolve("https://lnkd.in/eX1").ref == PostRef(Network.X, POST)
    assert len(shortener.asked) == 3


def test_hops_share_one_kept_alive_connection_and_carry_no_credentials(
    stubs: tuple[Shortener, Shortener],
) -> None:
    shortener, _ = stubs
    shortener.routes[("lnkd.in", "/eX1")] = (302, "https://t.co/Zz9")
    shortener.routes[("t.co", "/Zz9")] = (301, X_LINK)
    shortener.body_size = 200  # a redirect's small body, read so the connection can go back

    links = resolver(shortener)
    assert links.resolve("https://lnkd.in/eX1").ref == PostRef(Network.X, POST)
    assert links.resolve("https://t.co/Zz9").ref == PostRef(Network.X, POST)

    assert len(shortener.asked) == 3
    assert len(shortener.connections) == 1
    sent = set().union(*shortener.header_names)
    assert not sent & {"authorization", "proxy-authorization", "cookie"}


def test_an_interstitial_page_is_not_downloaded(stubs: tuple[Shortener, Shortener]) -> None:
    shortener, _ = stubs
    shortener.routes[("t.co", "/page")] = (200, None)
    shortener.routes[("t.co", "/AbC123")] = (301, X_LINK)
    shortener.body_size = 8 * 1024 * 1024
    links = resolver(shortener)

    assert links.resolve("https://t.co/page").drop_reason == "short_link_without_redirect"
    # The connection with a page still on it was dropped, not handed to the next request.
    assert links.resolve("https://t.co/AbC123").ref == PostRef(Network.X, POST)
    assert len(shortener.connections) == 2


def test_an_unresolved_link_is_logged_by_host_and_reason(
    stubs: tuple[Shortener, Shortener],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = f"short-links-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service)
    shortener, _ = stubs

    resolver(shortener).resolve("https://t.co/gone-Handle")

    lines = [json.loads(li) for li in capsys.readouterr().out.splitlines() if li.startswith("{")]
    [line] = [li for li in lines if li["message"] == "short link not resolved"]
    assert (line["service"], line["host"], line["reason"]) == (
        service,
        "t.co",
        "short_link_not_found",
    )
    assert "gone-Handle" not in json.dumps(line)  # the link itself stays out of the log


def test_a_redirect_loop_stops_at_the_hop_limit(stubs: tuple[Shortener, Shortener]) -> None:
    shortener, _ = stubs
    shortener.routes[("t.co", "/loop")] = (301, "https://t.co/loop")

    resolution = resolver(shortener, hops=3).resolve("https://t.co/loop")

    assert resolution == Resolution(drop_reason="short_link_too_many_hops")
    assert len(shortener.asked) == 3


def test_a_redirect_to_an_arbitrary_host_is_never_fetched(
    stubs: tuple[Shortener, Shortener],
) -> None:
    shortener, elsewhere = stubs
    shortener.routes[("t.co", "/ad")] = (301, f"{elsewhere.url}/landing?next=https://t.co/x")
    shortener.routes[("vm.tiktok.com", "/ZM1/")] = (301, "https://evil.example/@a/video/1")

    links = resolver(shortener)

    assert links.resolve("https://t.co/ad").drop_reason == "short_link_to_no_post"
    assert links.resolve("https://vm.tiktok.com/ZM1/").drop_reason == "short_link_to_no_post"
    assert elsewhere.asked == []


@pytest.mark.parametrize(
    ("status", "resolution"),
    [
        (404, Resolution(drop_reason="short_link_not_found")),
        (410, Resolution(drop_reason="short_link_not_found")),
        (200, Resolution(drop_reason="short_link_without_redirect")),  # an interstitial page
        (503, Resolution(transient=True)),
        (429, Resolution(transient=True)),
    ],
)
def test_a_shortener_s_other_answers(
    stubs: tuple[Shortener, Shortener], status: int, resolution: Resolution
) -> None:
    shortener, _ = stubs
    shortener.routes[("www.instagram.com", "/share/reel/BAcd1")] = (status, None)
    link = "https://www.instagram.com/share/reel/BAcd1"
    assert resolver(shortener).resolve(link) == resolution


def test_an_unreachable_shortener_is_transient_and_not_remembered() -> None:
    links = ShortLinks(endpoints={"t.co": "http://127.0.0.1:9"}, timeout=0.5)
    assert links.resolve("https://t.co/x") == Resolution(transient=True)
    assert links.resolve("https://t.co/x") == Resolution(transient=True)
    assert links.fetches == 2


def test_definitive_answers_are_remembered(stubs: tuple[Shortener, Shortener]) -> None:
    shortener, _ = stubs
    shortener.routes[("t.co", "/AbC123")] = (301, X_LINK)
    links = resolver(shortener)
    links.resolve_many(["https://t.co/AbC123", "https://t.co/gone"])
    links.resolve_many(["https://t.co/AbC123", "https://t.co/gone"])
    assert len(shortener.asked) == 2


def test_past_the_time_budget_the_rest_are_transient(stubs: tuple[Shortener, Shortener]) -> None:
    shortener, _ = stubs
    shortener.routes[("t.co", "/a")] = (301, X_LINK)
    links = resolver(shortener, budget_seconds=-1)
    assert links.resolve_many(["https://t.co/a"]) == {"https://t.co/a": Resolution(transient=True)}
    assert shortener.asked == []
