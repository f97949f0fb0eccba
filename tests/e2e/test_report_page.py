"""The report page in a browser: serve's GET /report over the demo's data (replayed, synced and
attributed as `make demo` does), opened in headless Debian Chromium. It shows the leaderboard
`socialscore leaderboard --json` prints and a point for each day the Snapshot has, logs no
error, asks nothing of any host but serve's, and its Content-Security-Policy is in force.

The full-page screenshot is kept in test-artifacts/report.png for a person to look at."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Request, Route

from socialscore.report.sections import TOP
from socialscore.report.snapshot import Snapshot
from socialscore_local import server
from socialscore_local.demo import DEMO_AS_OF
from socialscore_local.ops_bridge import Bridge, outputs
from socialscore_ops.stack import Stack
from tests.e2e import chromium
from tests.ops.conftest import DeployedStack, deployed

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-artifacts" / "report.png"
browser = chromium.browser  # the fixture, found by pytest in this module

# Each chart's marks, as the page draws them: their data-* attributes.
MARKS = """svg => [...svg.querySelectorAll('[data-value]')].map(m => ({...m.dataset}))"""
# An image from elsewhere, asked for by the page: the CSP refuses it (and says which rule).
FOREIGN_IMAGE = """() => new Promise(done => {
    document.addEventListener('securitypolicyviolation', e => done(e.effectiveDirective));
    const img = new Image();
    img.src = 'http://203.0.113.7/pixel.png';
    setTimeout(() => done(null), 3000);
})"""


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeployedStack, str]]:
    """The demo's stack, and serve's HTTP server with its bridge (/report) over it."""
    with deployed(tmp_path_factory.mktemp("report")) as stack:
        bridge = Bridge(stack.rt)
        http = server.http_server(stack.rt, 0, bridge=bridge)
        try:
            yield stack, server.url(http)
        finally:
            http.shutdown()
            http.server_close()
            bridge.close()


def test_the_report_page_in_chromium(serving: tuple[DeployedStack, str], browser: Browser) -> None:
    stack, url = serving
    board = stack.socialscore("leaderboard", "--json")
    assert board.code == 0, board.err
    leaders = board.json()["sellers"]
    assert leaders, "the demo credits sellers"
    days = Snapshot(Stack("test", outputs(stack.rt)), DEMO_AS_OF).days()

    started = time.perf_counter()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    requested: list[str] = []
    elsewhere: list[str] = []

    def only_serve(route: Route, request: Request) -> None:
        requested.append(request.url)
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:  # refused here too, had the CSP not stopped it first
            elsewhere.append(request.url)
            route.abort()

    context.route("**/*", only_serve)
    answer = page.goto(url + "/report", wait_until="load")
    assert answer is not None
    assert answer.status == 200

    assert errors == []
    assert elsewhere == []
    assert requested == [url + "/report"]

    sellers: list[dict[str, Any]] = page.locator("#chart-sellers").evaluate(MARKS)
    assert [(m["label"], Decimal(m["value"])) for m in sellers] == [
        (r["seller_id"], Decimal(r["organic_points"])) for r in leaders[:TOP]
    ]
    points: list[dict[str, Any]] = page.locator("#chart-days").evaluate(MARKS)
    for series in ("organic points", "paid points"):
        shown = [m["day"] for m in points if m["series"] == series]
        assert shown == [d.day.isoformat() for d in days]
    charts = page.locator("svg")
    assert charts.count() >= 7
    assert page.get_by_role("img").count() == charts.count()  # each an image to a reader
    for svg in charts.all():
        assert (svg.locator("title").first.text_content() or "").strip()

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    print(f"\nreport page screenshot: {SCREENSHOT} ({time.perf_counter() - started:.1f} s)")

    # Last, as it logs an error by design: the page's CSP refuses what the page did not ask for.
    assert page.evaluate(FOREIGN_IMAGE) == "img-src"
    assert elsewhere == []
    context.close()


# --- the fixture's promise: install, else skip with the reason, but never skip under CI -------
@pytest.mark.parametrize(("ci", "outcome"), [("", "skip"), ("true", "fail")])
def test_no_chromium_skips_but_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: str
) -> None:
    monkeypatch.setattr(chromium, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(chromium, "INSTALL_LOCK", tmp_path / "lock")
    monkeypatch.setattr(chromium, "install", lambda: "apt-get not found")
    monkeypatch.setenv("CI", ci)
    expected = pytest.skip.Exception if outcome == "skip" else pytest.fail.Exception
    with pytest.raises(expected, match="apt-get not found"):
        chromium.ensure_chromium()


def test_without_apt_the_reason_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _: None)
    assert (chromium.install() or "").startswith("apt-get not found")
