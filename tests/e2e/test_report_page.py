"""The report page in a browser: serve's GET /report?as_of=...&period=30 over the demo's data
(replayed, synced and attributed as `make demo` does), opened in headless Debian Chromium. It
shows the period's leaderboard `socialscore leaderboard --since` prints and a point for each of
the period's days, saves each table as the CSV it shows, opens a post on its network, switches
period, logs no error, asks nothing of any host but serve's unless a link is clicked, and its
Content-Security-Policy is in force. On a 390 px phone and on a 1280 px desktop, the page never
scrolls sideways and no text is under 11 px.

Both full-page screenshots are kept for a person to look at: test-artifacts/report-390.png and
test-artifacts/report-1280.png."""

from __future__ import annotations

import csv
import io
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route

from socialscore.report.sections import TOP
from socialscore.report.snapshot import Snapshot
from socialscore_local import server
from socialscore_local.ops_bridge import Bridge, outputs
from socialscore_ops.stack import Stack
from tests.e2e import chromium
from tests.ops import conftest as ops
from tests.ops.conftest import DeployedStack, deployed

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts"
TOKEN = "report-page-test-token"  # serve's per-run token, fixed for this test
PHONE, DESKTOP = 390, 1280
MIN_TEXT_PX = 11
browser = chromium.browser  # the fixture, found by pytest in this module
# The ops tests' demo state is built once a run and shared by xdist's workers; without this
# fixture (autouse, tests/ops' own) a worker that came here first built a second one (~12 s).
shared_demo_state = ops.shared_demo_state

# Each chart's marks, as the page draws them: their data-* attributes.
MARKS = """svg => [...svg.querySelectorAll('[data-value]')].map(m => ({...m.dataset}))"""
# An image from elsewhere, asked for by the page: the CSP refuses it (and says which rule).
FOREIGN_IMAGE = """() => new Promise(done => {
    document.addEventListener('securitypolicyviolation', e => done(e.effectiveDirective));
    const img = new Image();
    img.src = 'http://203.0.113.7/pixel.png';
    setTimeout(() => done(null), 3000);
})"""
# How wide the page is, and every visible text smaller than it may be, as rendered: an SVG's
# text at its font size times the scale its viewBox is drawn at.
LAYOUT = """min => {
    const small = [];
    for (const el of document.querySelectorAll('body *')) {
        const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!text || !el.getClientRects().length) continue;
        let px = parseFloat(getComputedStyle(el).fontSize);
        const svg = el.closest('svg');
        if (svg) px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        if (px < min) small.push(`${el.tagName} ${px.toFixed(1)}px: ${el.textContent}`);
    }
    return {wide: document.documentElement.scrollWidth, viewport: innerWidth, small};
}"""
# The visible table under a Download CSV link, as its cells read.
TABLE = """a => [...a.nextElementSibling.querySelectorAll('tr')].map(
    tr => [...tr.children].map(c => c.textContent))"""


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeployedStack, str]]:
    """The demo's stack, and serve's HTTP server with its bridge (/report) over it."""
    with deployed(tmp_path_factory.mktemp("report")) as stack:
        bridge = Bridge(stack.rt, TOKEN)
        http = server.http_server(stack.rt, 0, bridge=bridge)
        try:
            yield stack, server.url(http)
        finally:
            http.shutdown()
            http.server_close()
            bridge.close()


def query(stack: DeployedStack, period: int = 30) -> str:
    """The report as of the midnight after the demo's moved acts (every one of them in its
    period): the same page every run, on the days the demo's state was built on."""
    return f"/report?as_of={stack.as_of.date().isoformat()}&period={period}"


def _open(
    browser: Browser, url: str, width: int, query: str
) -> tuple[BrowserContext, Page, list[str], list[str], list[str]]:
    """The report at this width: its context, page, errors, requests and requests elsewhere."""
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    # The cookie serve sets when its printed link (?token=) is opened: the page's links need it.
    cookie = f"socialscore_token_{urlsplit(url).port}"
    context.add_cookies([{"name": cookie, "value": TOKEN, "url": url, "sameSite": "Strict"}])
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
    answer = page.goto(url + query, wait_until="load")
    assert answer is not None
    assert answer.status == 200
    return context, page, errors, requested, elsewhere


def laid_out(page: Page, width: int, started: float) -> None:
    """No sideways scroll and no text under 11 px at this width; its full-page screenshot kept."""
    layout: dict[str, Any] = page.evaluate(LAYOUT, MIN_TEXT_PX)
    assert layout["viewport"] == width
    assert layout["wide"] <= width, f"the page is {layout['wide']} px wide on {width} px"
    assert layout["small"] == []
    shot = SCREENSHOTS / f"report-{width}.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nreport page at {width} px: {shot} ({time.perf_counter() - started:.1f} s)")


def test_the_report_page_in_chromium(serving: tuple[DeployedStack, str], browser: Browser) -> None:
    stack, url = serving
    day = stack.as_of.date()
    snapshot = Snapshot(
        Stack("test", outputs(stack.rt)), datetime(day.year, day.month, day.day, tzinfo=UTC)
    )
    period = snapshot.period
    since = f"{period.start:%Y-%m-%d}"
    board = stack.socialscore("leaderboard", "--since", since, "--as-of", f"{day}", "--json")
    assert board.code == 0, board.err
    leaders = board.json()["sellers"]
    assert leaders, "the demo credits sellers"
    days = snapshot.days(period.start, period.end)

    started = time.perf_counter()
    context, page, errors, requested, elsewhere = _open(browser, url, DESKTOP, query(stack))
    # First, as loaded, nothing clicked yet: on a desktop, then on a phone, the same page laid
    # out again at its width (no script: only CSS follows the width; nothing asked of serve).
    laid_out(page, DESKTOP, started)
    page.set_viewport_size({"width": PHONE, "height": 900})
    laid_out(page, PHONE, started)
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    assert errors == []
    assert elsewhere == []
    assert requested == [url + query(stack)]

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
        assert (svg.locator("text.axis").first.text_content() or "").strip()  # axis titled

    # the sellers' Download CSV saves the rows the table shows
    link = page.locator("#sellers a.csv").first
    with page.expect_download() as saving:
        link.click()
    saved = saving.value
    assert saved.suggested_filename == "socialscore-sellers.csv"
    rows = list(csv.reader(io.StringIO(Path(saved.path()).read_text(encoding="utf-8-sig"))))
    table: list[list[str]] = link.evaluate(TABLE)
    assert [r[0] for r in rows] == [r[0] for r in table]
    assert [Decimal(r[3]) for r in rows[1:]] == [Decimal(r[3].replace(",", "")) for r in table[1:]]

    # a post opens on X, by its id, in a new tab (which the test keeps from leaving the machine)
    post = page.locator("#posts td a").first
    href = post.get_attribute("href") or ""
    assert href.startswith("https://x.com/i/web/status/")
    with context.expect_page() as opened:
        post.click()
    opened.value.wait_for_load_state()
    assert elsewhere == [href]
    opened.value.close()  # its refused load's error page would be reloaded by Chromium later

    # another period, keeping the as-of (after the post: no way back to draw the page again)
    page.get_by_role("link", name="7 days").click()
    page.wait_for_load_state("load")
    assert page.url == url + query(stack, 7)
    assert page.locator("h1").text_content() == "Social selling report: the last 7 days"

    # Last, as it logs an error by design: the page's CSP refuses what the page did not ask for.
    assert page.evaluate(FOREIGN_IMAGE) == "img-src"
    assert elsewhere == [href]
    context.close()


def test_a_period_the_report_cannot_show_is_a_400(serving: tuple[DeployedStack, str]) -> None:
    _, url = serving
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url + "/report?period=14", headers=bearer))
    assert refused.value.code == 400
    assert refused.value.read() == b"period must be one of 7, 30 or 90 (days), not 14\n"


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
