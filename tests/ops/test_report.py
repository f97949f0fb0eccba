"""The report page: its numbers are the Snapshot's (the demo's data, through the whole pipeline),
every value is escaped, nothing is loaded from anywhere, and at 5,000 profiles it is still a
page of bounded size made in bounded time. `socialscore report` writes the same page."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from socialscore.domain.engage import Entry
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.owners import Owner
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.pipeline.engage import Queue
from socialscore.report import page as report_page
from socialscore.report import period as period_module
from socialscore.report import profiles as report_profiles
from socialscore.report import sections as report_sections
from socialscore.report.links import act_link, post_link
from socialscore.report.names import model_name
from socialscore.report.profiles import owner_text
from socialscore.report.rows import (
    DayRow,
    Money,
    OpportunityView,
    PostRow,
    ScoreRow,
    SellerRow,
    money_text,
)
from socialscore.report.snapshot import Snapshot
from socialscore_local import demo as demo_module
from socialscore_local.demo import DEMO_AS_OF
from socialscore_local.ops_bridge import outputs
from socialscore_ops.stack import Stack
from tests.ops.conftest import DeployedStack

MODELS = bundled().attribution.models


# --- reading a page ---------------------------------------------------------------------------
@dataclass
class Page(HTMLParser):
    """What a test reads in the page: each chart's marks (their data-* attributes), each
    section's table rows (cell texts), its tags, its links and its text."""

    marks: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    tables: dict[str, list[list[str]]] = field(default_factory=lambda: defaultdict(list))
    tags: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _section: str = ""
    _chart: str = ""
    _row: list[str] | None = None
    _cell: list[str] | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def starttag(self, tag: str, attrs: dict[str, str]) -> None:
        self.tags.add(tag)
        self.links += [v for k, v in attrs.items() if k in ("href", "src", "action")]
        if tag == "section":
            self._section = attrs["id"]
        elif tag == "svg":
            self._chart = attrs["id"]
        elif tag == "tr" and self._section:
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        if "data-value" in attrs and self._chart:
            self.marks[self._chart].append(attrs)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starttag(tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = ""
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._section].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def read(page: str) -> Page:
    parsed = Page()
    parsed.feed(page)
    parsed.close()
    return parsed


def values(marks: list[dict[str, str]], series: str | None = None) -> dict[str, Decimal]:
    return {
        m["data-label"]: Decimal(m["data-value"])
        for m in marks
        if series is None or m["data-series"] == series
    }


# --- a snapshot made up in memory -------------------------------------------------------------
def hostile_queue() -> Queue:
    """An engage-now queue whose every id a hostile sender chose."""
    act = Touch(
        profile=HOSTILE,
        dedupe_key="i#1",
        interaction_id="1",
        network=Network.X,
        kind=Kind.COMMENT,
        category=Category.ORGANIC,
        weight=4.0,
        units=Decimal(4),
        occurred_at=datetime(2026, 11, 21, tzinfo=UTC),
        post=f"x#{HOSTILE}",
        own_post="x#2100000000000000001",
        seller_id=HOSTILE,
        team=HOSTILE,
        intent_hits=(HOSTILE,),
        model_version="m",
    )
    factors = {"score": 4.0, "intent": 10.0, "complaint": 0.0, "reach": 0.0, "buckets": 0.0}
    expires = act.occurred_at + timedelta(hours=48)
    entry = Entry(act, 7.0, factors, 0.5, (HOSTILE,), expires)
    return Queue([entry], {HOSTILE: HOSTILE}, 3)


class Canned(Snapshot):
    """A Snapshot whose views are given, not read from a stack: `sellers` and `posts` are the
    period's (`previous_sellers` and `previous_posts` the period before's), `days` and
    `opportunities` are cut by date as a stack's are."""

    def __init__(
        self,
        *,
        sellers: list[SellerRow] | None = None,
        posts: list[PostRow] | None = None,
        scores: list[ScoreRow] | None = None,
        days: list[DayRow] | None = None,
        opportunities: list[OpportunityView] | None = None,
        name: str = "canned",
        model_version: str | None = None,
        queue: Queue | None = None,
        previous_sellers: list[SellerRow] | None = None,
        previous_posts: list[PostRow] | None = None,
        period_days: int = 30,
    ) -> None:
        super().__init__(Stack(name, {}), datetime(2026, 11, 22, tzinfo=UTC), period_days)
        self._views = (sellers or [], posts or [], scores or [], days or [])
        self._previous = (previous_sellers or [], previous_posts or [])
        model = bundled()
        if model_version is not None:
            model = model.model_copy(update={"version": model_version})
        self.__dict__["model"] = model  # the cached properties, already "read"
        self.__dict__["opportunities"] = opportunities or []
        self._queue = queue or Queue([], {}, 0)

    def _current(self, since: datetime | None) -> bool:
        return since is None or since >= self.period.start

    def sellers(
        self, since: datetime | None = None, team: str | None = None, until: datetime | None = None
    ) -> list[SellerRow]:
        return self._views[0] if self._current(since) else self._previous[0]

    def posts(self, since: datetime | None = None, until: datetime | None = None) -> list[PostRow]:
        return self._views[1] if self._current(since) else self._previous[1]

    def scores(self) -> list[ScoreRow]:
        return self._views[2]

    def days(self, since: datetime | None = None, until: datetime | None = None) -> list[DayRow]:
        low = (since or datetime.min.replace(tzinfo=UTC)).date()
        high = (until or datetime.max.replace(tzinfo=UTC)).date()
        return [d for d in self._views[3] if low <= d.day < high]

    def engage(self, limit: int) -> Queue:
        return Queue(self._queue.entries[:limit], self._queue.contacts, self._queue.waiting)


def big(profiles: int = 5000, sellers: int = 300, posts: int = 2000, seed: int = 7) -> Canned:
    """A large stack's views, as a Snapshot sorts them."""
    rnd = random.Random(seed)
    ids = [f"s-{n:04d}" for n in range(sellers)]
    seller_rows = sorted(
        (
            SellerRow(
                s,
                f"team-{n % 12}",
                Decimal(rnd.randint(0, 5000)),
                rnd.randint(0, 900),
                Decimal(rnd.randint(0, 40)) / 2,
                rnd.randint(0, 20),
                {"EUR": Decimal(rnd.randint(1, 10**6)) / 100} if n % 3 else {},
            )
            for n, s in enumerate(ids)
        ),
        key=lambda r: (-r.organic_points, r.seller_id),
    )
    post_rows = sorted(
        (
            PostRow(
                f"x#{10**18 + n}",
                rnd.choice(ids),
                rnd.randint(0, 90),
                rnd.randint(0, 90),
                rnd.randint(0, 400),
                {"USD": Decimal(rnd.randint(1, 10**6)) / 100} if n % 2 else {},
            )
            for n in range(posts)
        ),
        key=lambda r: (-r.reactions, r.post),
    )
    score_rows = sorted(
        (
            ScoreRow(
                f"003{n:07d}" if n % 3 else f"x#{n}",
                bool(n % 3),
                rnd.expovariate(1 / 8),
                rnd.expovariate(1 / 2) if n % 5 == 0 else 0.0,
                "2026-11-01T10:00:00+00:00" if n % 10 == 0 else None,
            )
            for n in range(profiles)
        ),
        key=lambda r: (-r.organic, -r.paid, r.who),
    )
    start = date(2026, 7, 1)
    day_rows = [
        DayRow(
            start + timedelta(days=n),
            rnd.randint(0, 500),
            rnd.randint(0, 50),
            Decimal(rnd.randint(0, 2000)),
            Decimal(rnd.randint(0, 100)) / 2,
        )
        for n in range(140)
        if n % 9  # some days without a touch
    ]
    opportunities = [
        OpportunityView(
            f"006{n:07d}",
            Decimal(rnd.randint(1000, 200000)),
            "USD" if n % 4 else "EUR",
            "Closed Won",
            datetime(2026, 11, 1, tzinfo=UTC),
            rnd.randint(0, 40),
            "linear",
            {
                m: {"seller": {s: Decimal(rnd.randint(0, 5000)) for s in rnd.sample(ids, 4)}}
                for m in MODELS
            },
        )
        for n in range(400)
    ]
    return Canned(
        sellers=seller_rows,
        posts=post_rows,
        scores=score_rows,
        days=day_rows,
        opportunities=opportunities,
    )


# --- the demo's data --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_stack: DeployedStack) -> tuple[Snapshot, str]:
    snapshot = Snapshot(Stack("test", outputs(demo_stack.rt)), DEMO_AS_OF)
    started = time.perf_counter()
    page = report_page.render(snapshot)
    print(f"report page at demo size: {(time.perf_counter() - started) * 1000:.0f} ms")
    # the tests compare with a snapshot of their own: the same tables, read again
    return Snapshot(Stack("test", outputs(demo_stack.rt)), DEMO_AS_OF), page


def test_the_leaderboards_are_the_period_s_beside_the_previous(demo: tuple[Snapshot, str]) -> None:
    snapshot, page = demo
    parsed = read(page)
    period = snapshot.period
    assert period.days == 30
    sellers = snapshot.sellers(period.start, until=period.end)
    previous = snapshot.sellers(period.previous.start, until=period.previous.end)
    assert sellers, "the demo credits sellers"
    assert previous, "the demo credits sellers in the 30 days before too"
    assert sellers != snapshot.sellers(), "the period's points are not all time's"
    assert values(parsed.marks["chart-sellers"]) == {s.seller_id: s.organic_points for s in sellers}
    # the chart's bars are in the leaderboard's order, best first
    assert [m["data-label"] for m in parsed.marks["chart-sellers"]] == [
        s.seller_id for s in sellers
    ]
    teams = Snapshot.teams(sellers)
    assert values(parsed.marks["chart-teams"]) == {t.team: t.organic_points for t in teams}
    rows = {r[0]: r for r in parsed.tables["sellers"] if r[0] in {s.seller_id for s in sellers}}
    before = {s.seller_id: s.organic_points for s in previous}
    for s in sellers:
        assert rows[s.seller_id][1] == s.team
        assert rows[s.seller_id][3] == f"{before.get(s.seller_id, 0):,.1f}"
        assert rows[s.seller_id][5] == f"{s.organic_touches:,}"
        assert rows[s.seller_id][-1] == money_text(s.attributed)
    assert any(rows[s][4].endswith("%") for s in before if s in rows), "a change is shown"
    # each currency apart: a seller credited in both shows both, each its own sum
    both = [s for s in sellers if set(s.attributed) == {"EUR", "USD"}]
    assert both, "the demo credits a seller in both currencies"
    credit = snapshot.attributed("seller", period.start, period.end)
    primary = snapshot.model.attribution.primary
    for s in both:
        eur, usd = (credit[c][primary][s.seller_id] for c in ("EUR", "USD"))
        assert rows[s.seller_id][-1] == f"{eur:,.2f} EUR · {usd:,.2f} USD"
    team_rows = {r[0]: r for r in parsed.tables["sellers"] if r[0] in {t.team for t in teams}}
    for t in teams:
        mine: Money = defaultdict(Decimal)
        for s in sellers:
            if s.team == t.team:
                for currency, amount in s.attributed.items():
                    mine[currency] += amount
        assert t.attributed == {c: a for c, a in sorted(mine.items()) if a}
        assert team_rows[t.team][-1] == money_text(t.attributed)
    assert "together" not in "".join(parsed.text)  # no note that currencies were added


def test_the_days_posts_and_accounts_are_the_period_s(demo: tuple[Snapshot, str]) -> None:
    snapshot, page = demo
    parsed = read(page)
    period = snapshot.period
    days = snapshot.days(period.start, period.end)
    assert days != snapshot.days(), "the demo has touches before the period"
    points = parsed.marks["chart-days"]
    for series, attribute in (("organic points", "organic_points"), ("paid points", "paid_points")):
        shown = {
            m["data-day"]: Decimal(m["data-value"]) for m in points if m["data-series"] == series
        }
        assert shown == {d.day.isoformat(): getattr(d, attribute) for d in days}
    posts = snapshot.posts(period.start, period.end)
    marks = parsed.marks["chart-posts"]
    assert values(marks, "conversation") == {p.post: p.comments for p in posts}
    assert values(marks, "amplification") == {p.post: p.amplification for p in posts}
    assert values(marks, "applause") == {p.post: p.applause for p in posts}
    value = {r[0]: r[-1] for r in parsed.tables["posts"]}
    assert {p.post: value[p.post] for p in posts} == {
        p.post: money_text(p.economic_value) for p in posts
    }
    # each post opens on X by its id, with the network's date where the post's facts are held
    assert {f"https://x.com/i/web/status/{p.post.removeprefix('x#')}" for p in posts} <= set(
        parsed.links
    )
    posted = {r[0]: r[1] for r in parsed.tables["posts"]}
    assert {p.post: posted[p.post] for p in posts} == {
        p.post: p.created.isoformat() if p.created else "-" for p in posts
    }
    assert any(p.created for p in posts), "the demo's provider dates its posts"
    assert {c for p in posts for c in p.economic_value} == {"EUR", "USD"}
    accounts = Snapshot.accounts(posts)
    shown = values(parsed.marks["chart-accounts"], "conversation")
    assert shown == {a.account: Decimal(str(a.conversation)) for a in accounts}


def test_attribution_is_the_snapshots_by_currency(demo: tuple[Snapshot, str]) -> None:
    snapshot, page = demo
    parsed = read(page)
    mine = [o for o in snapshot.opportunities if snapshot.period.holds(o.created_at)]
    currencies = {o.currency for o in mine}
    assert currencies == {"USD", "EUR"}, "the demo has opportunities in two currencies"
    for currency in currencies:
        expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for o in mine:
            if o.currency == currency:
                for model, parts in o.by_model.items():
                    for seller, amount in parts["seller"].items():
                        expected[model][seller] += amount
        marks = parsed.marks[f"chart-attribution-{currency}"]
        for model in snapshot.model.attribution.models:
            assert values(marks, model_name(model)) == expected[model]
        # one currency's sums are the snapshot's attributed() over those opportunities alone
        assert snapshot.attributed("seller")[currency] == expected
    assert "Linear" in {m["data-series"] for m in parsed.marks["chart-attribution-USD"]}
    header = parsed.tables["attribution"][0]
    assert "Position-based (U-shaped)" in header
    assert "position_based" not in header


def test_hot_leads_and_the_distribution_are_the_snapshots(demo: tuple[Snapshot, str]) -> None:
    snapshot, page = demo
    parsed = read(page)
    scores = snapshot.scores()
    hot = [s.who for s in scores if s.hot_since]
    assert hot, "the demo has a hot lead"
    assert [r[0] for r in parsed.tables["hot"][1:]] == hot
    owners = [r[2] for r in parsed.tables["hot"][1:]]
    assert owners == [owner_text(s.owner) for s in scores if s.hot_since]
    assert all(o != "owner queue" for o in owners), "the demo's hot leads have a seller or owner"
    bins = parsed.marks["chart-scores"]
    counts = [int(m["data-value"]) for m in bins if "data-from" in m]
    assert sum(counts) == len(scores)
    for m in (m for m in bins if "data-from" in m):
        low, high = float(m["data-from"]), float(m["data-to"])
        last = high == max(float(b["data-to"]) for b in bins if "data-to" in b)
        inside = [s for s in scores if low <= s.organic < high or (last and s.organic == high)]
        assert int(m["data-value"]) == len(inside)
    threshold = [m for m in bins if "data-from" not in m]
    assert [float(m["data-value"]) for m in threshold] == [snapshot.model.hot_lead_threshold]


def test_the_page_loads_nothing_and_shows_no_text(demo: tuple[Snapshot, str]) -> None:
    _, page = demo
    parsed = read(page)
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "default-src &#x27;none&#x27;" in page
    assert "<script" not in page
    assert "http://" not in page
    assert " src=" not in page  # nothing loaded: links are followed only when clicked
    # links are the page's own anchors, its CSV files, and the networks' posts by their ids
    elsewhere = [k for k in parsed.links if not k.startswith(("#", "data:"))]
    assert elsewhere
    assert all(re.fullmatch(r"https://x\.com/i/web/status/\d+", k) for k in elsewhere), elsewhere
    assert 'rel="noopener noreferrer"' in page
    svgs = page.count("<svg ")
    assert svgs >= 7
    assert page.count('role="img"') == svgs
    assert page.count("<title id=") == svgs
    # ids and numbers only: no post's text, no handle (the demo's are in its permalinks)
    deliveries = json.loads((demo_module.DEMO_DIR / "webhooks.json").read_text())
    permalinks = re.findall(r"https://x\.com/(\w+)/status/", json.dumps(deliveries))
    posts = json.loads((demo_module.DEMO_DIR / "posts.json").read_text())
    texts = [p["text"] for p in posts if p.get("text")]
    shown = page.lower()
    assert permalinks
    assert texts
    assert not [h for h in {*permalinks} if h.lower() in shown]
    assert not [t for t in texts if t.lower() in shown]


def test_socialscore_report_writes_the_page(demo_stack: DeployedStack, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    answer = demo_stack.socialscore("report", "--out", str(out), "--as-of", "2026-11-22")
    assert answer.code == 0, answer.err
    assert answer.out.strip() == str(out)
    snapshot = Snapshot(Stack(demo_stack.name, outputs(demo_stack.rt)), DEMO_AS_OF)
    assert out.read_text() == report_page.render(snapshot)
    answer = demo_stack.socialscore("report", "--out", str(out), "--json", "--period", "7")
    assert answer.json()["path"] == str(out)
    assert answer.json()["bytes"] == out.stat().st_size
    assert answer.json()["period_days"] == 7
    assert "<h1>Social selling report: the last 7 days</h1>" in out.read_text()


def test_socialscore_report_refuses_in_one_line(demo_stack: DeployedStack, tmp_path: Path) -> None:
    answer = demo_stack.socialscore("report", "--out", str(tmp_path / "no" / "such" / "r.html"))
    assert answer.code == 2
    assert answer.err.count("\n") == 1
    assert "cannot write" in answer.err
    answer = demo_stack.socialscore("report", "--as-of", "last tuesday")
    assert answer.code == 2
    assert "argument --as-of: not a date: 'last tuesday' (e.g. 2026-11-01)" in answer.err
    answer = demo_stack.socialscore("report", "--period", "14")
    assert answer.code == 2
    assert "argument --period: invalid choice: 14 (choose from 7, 30, 90)" in answer.err


# --- made-up data -----------------------------------------------------------------------------
HOSTILE = "<script>alert(1)</script>\"' onload=x &amp; <img src=//evil.example/x>"


def test_every_value_is_escaped() -> None:
    sellers = [SellerRow(HOSTILE, HOSTILE, Decimal(3), 1, Decimal(0), 0, {HOSTILE: Decimal(5)})]
    page = report_page.render(
        Canned(
            sellers=sellers,
            posts=[PostRow(f"x#{HOSTILE}", HOSTILE, 1, 2, 3, {HOSTILE: Decimal(4)})],
            scores=[ScoreRow(HOSTILE, True, 30.0, 0.0, HOSTILE)],
            days=[DayRow(date(2026, 11, 1), 1, 0, Decimal(3), Decimal(0))],
            opportunities=[
                OpportunityView(
                    "o",
                    Decimal(5),
                    HOSTILE,
                    "won",
                    datetime(2026, 11, 1, tzinfo=UTC),
                    1,
                    "linear",
                    {"linear": {"seller": {HOSTILE: Decimal(5)}}},
                )
            ],
            name=HOSTILE,
            model_version=HOSTILE[:60],
            queue=hostile_queue(),
        )
    )
    parsed = read(page)
    assert escape(HOSTILE) in page.split('id="engage"')[1]  # the queue's ids, escaped
    assert "<script" not in page
    assert "<img" not in page
    assert "evil.example/x>" not in page
    assert parsed.tags <= {
        *("html", "head", "meta", "link", "title", "style", "body", "main", "header", "nav"),
        *("a", "section", "h1", "h2", "h3", "p", "div", "b", "span", "footer", "details"),
        "small",
        *("summary", "table", "thead", "tbody", "tr", "th", "td"),
        *("svg", "desc", "rect", "text", "line", "polyline", "polygon", "circle"),
    }
    assert HOSTILE in "".join(parsed.text)  # shown, as text
    assert values(parsed.marks["chart-sellers"]) == {HOSTILE: Decimal(3)}


def test_amounts_in_two_currencies_are_never_added() -> None:
    both = {"EUR": Decimal("18500.00"), "USD": Decimal("74814.06")}
    sellers = [
        SellerRow("s-ana", "north", Decimal(9), 3, Decimal(0), 0, both),
        SellerRow("s-bo", "north", Decimal(4), 2, Decimal(0), 0, {"USD": Decimal("100.00")}),
        SellerRow("s-cy", "south", Decimal(1), 1, Decimal(0), 0, {}),
    ]
    posts = [
        PostRow("x#1", "s-ana", 1, 0, 2, both),
        PostRow("x#2", "s-ana", 0, 1, 0, {"EUR": Decimal("1.00")}),
    ]
    page = report_page.render(Canned(sellers=sellers, posts=posts))
    parsed = read(page)
    rows = {r[0]: r for r in parsed.tables["sellers"]}
    assert rows["s-ana"][-1] == "18,500.00 EUR · 74,814.06 USD"
    assert rows["s-bo"][-1] == "100.00 USD"
    assert rows["s-cy"][-1] == "-"
    assert rows["north"][-1] == "18,500.00 EUR · 74,914.06 USD"  # the team's, per currency
    assert rows["south"][-1] == "-"
    rows = {r[0]: r for r in parsed.tables["posts"]}
    assert rows["x#1"][-1] == "18,500.00 EUR · 74,814.06 USD"
    assert rows["s-ana"][-1] == "18,501.00 EUR · 74,814.06 USD"  # the account's
    # the exact amounts, each currency's apart, in the cell's data-value
    assert escape(json.dumps({"EUR": "18500.00", "USD": "74814.06"})) in page


def test_an_empty_stack_is_a_page_that_says_so() -> None:
    parsed = read(report_page.render(Canned()))
    assert not parsed.marks
    assert "No seller has been credited in this period yet." in "".join(parsed.text)


def test_5000_profiles_make_a_bounded_page_quickly() -> None:
    snapshot = big()
    started = time.perf_counter()
    page = report_page.render(snapshot)
    seconds = time.perf_counter() - started
    print(f"report page at 5,000 profiles: {seconds * 1000:.0f} ms, {len(page) / 1024:.0f} KiB")
    assert seconds < 2.0
    assert len(page) < 400_000
    parsed = read(page)
    top = report_sections.TOP
    sellers = snapshot.sellers()
    assert values(parsed.marks["chart-sellers"]) == {
        s.seller_id: s.organic_points for s in sellers[:top]
    }
    assert len(parsed.marks["chart-posts"]) == 3 * top
    text = "".join(parsed.text)
    assert f"and {len(sellers) - top:,} more sellers" in text
    assert f"and {2000 - top:,} more posts" in text
    hot = [s for s in snapshot.scores() if s.hot_since]
    assert len(parsed.tables["hot"]) == 1 + report_profiles.TOP_LEADS
    assert f"and {len(hot) - report_profiles.TOP_LEADS:,} more hot leads" in text
    counts = [int(m["data-value"]) for m in parsed.marks["chart-scores"] if "data-from" in m]
    assert sum(counts) == 5000
    assert len(counts) <= 2 * report_profiles.SCORE_BINS
    period = snapshot.period
    assert len(parsed.marks["chart-days"]) == 2 * len(snapshot.days(period.start, period.end))


@pytest.mark.parametrize(
    ("scores", "top"), [([], 1.0), ([0.0], 1.0), ([10.0], 10.0), ([3.0, 49.9], 50.0)]
)
def test_score_bins_cover_every_score(scores: list[float], top: float) -> None:
    edges = report_profiles.score_bins(scores)
    assert edges[0] == 0
    assert edges[-1] == top
    assert edges == sorted(edges)
    assert len(edges) - 1 <= 2 * report_profiles.SCORE_BINS


# --- buckets ----------------------------------------------------------------------------------
def test_the_buckets_are_the_snapshots_and_each_profile_s_is_the_cli_s(
    demo: tuple[Snapshot, str], demo_stack: DeployedStack
) -> None:
    snapshot, page = demo
    parsed = read(page)
    scores = snapshot.scores()
    counts = snapshot.buckets(scores)
    rules = snapshot.model.buckets
    assert [b.name for b in counts] == [r.name for r in rules]
    for b in counts:  # the Snapshot's counts are its rows'
        assert b.profiles == sum(1 for s in scores if b.name in s.buckets)
        assert b.contacts == sum(1 for s in scores if s.contact and b.name in s.buckets)
    assert any(b.profiles for b in counts if b.name != "prospect"), "the demo fills a bucket"
    # the chart: contacts and anonymous stacked per bucket, in the model's order
    marks = parsed.marks["chart-buckets"]
    assert [m["data-label"] for m in marks if m["data-series"] == "contacts"] == [
        r.label for r in rules
    ]
    assert values(marks, "contacts") == {b.label: b.contacts for b in counts}
    assert values(marks, "anonymous") == {b.label: b.profiles - b.contacts for b in counts}
    # the table: label, name, rule, profiles, contacts
    shown = {r[1]: r for r in parsed.tables["buckets"][1:]}
    assert {n: (int(r[3]), int(r[4])) for n, r in shown.items()} == {
        b.name: (b.profiles, b.contacts) for b in counts
    }
    assert shown["likely_buyer"][2] == (
        "organic score at least 20; intent touches at least 1 in the last 30 days"
    )
    assert shown["prospect"][2] == "every other scored profile"
    # the hot leads' bucket column, by label
    labels = {r.name: r.label for r in rules}
    hot = {r[0]: r[-1] for r in parsed.tables["hot"][1:]}
    for s in scores:
        if s.hot_since:
            assert hot[s.who] == (", ".join(labels[b] for b in s.buckets) or "-")
    # one profile, the same buckets on the page as in `socialscore profile`
    for s in scores:
        answer = demo_stack.socialscore("profile", s.who, "--as-of", "2026-11-22", "--json")
        assert answer.code == 0, answer.err
        assert answer.json()["buckets"] == list(s.buckets), s.who


def test_the_buckets_section_counts_made_up_profiles() -> None:
    scores = [
        ScoreRow("003A", True, 40.0, 0.0, None, ("likely_buyer", "advocate")),
        ScoreRow("x#1", False, 30.0, 0.0, "2026-11-01T10:00:00+00:00", ("likely_buyer",)),
        ScoreRow("x#2", False, 1.0, 0.0, None, ("prospect",)),
    ]
    parsed = read(report_page.render(Canned(scores=scores)))
    marks = parsed.marks["chart-buckets"]
    assert values(marks, "contacts") == {
        "Likely buyer": 1,
        "Brand advocate": 1,
        "Influencer": 0,
        "Prospective customer": 0,
    }
    assert values(marks, "anonymous") == {
        "Likely buyer": 1,
        "Brand advocate": 0,
        "Influencer": 0,
        "Prospective customer": 1,
    }
    assert [r[-1] for r in parsed.tables["hot"][1:]] == ["Likely buyer"]


def test_bucket_labels_are_escaped_and_a_model_without_buckets_says_so() -> None:
    canned = Canned(scores=[ScoreRow("003A", True, 40.0, 0.0, "2026-11-01", ("odd",))])
    rule = {"name": "odd", "label": HOSTILE[:60], "all": [{"fact": "touches", "at_least": 1}]}
    engage = {"weights": {"buckets": {"odd": 5}}}  # the queue's weights name the model's only
    canned.__dict__["model"] = bundled().model_validate(
        {**bundled().model_dump(mode="json"), "buckets": [rule], "engage": engage}
    )
    page = report_page.render(canned)
    parsed = read(page)
    assert "<script" not in page
    assert HOSTILE[:60] in "".join(parsed.text)
    assert [r[-1] for r in parsed.tables["hot"][1:]] == [HOSTILE[:60]]
    canned.__dict__["model"] = bundled().model_copy(update={"buckets": []})
    parsed = read(report_page.render(canned))
    assert "chart-buckets" not in parsed.marks
    assert "The scoring model defines no buckets." in "".join(parsed.text)


# --- the period, the headline, links, CSV -----------------------------------------------------
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def test_the_url_names_an_as_of_and_a_period() -> None:
    assert period_module.from_query("", NOW) == (NOW, 30)
    assert period_module.from_query("as_of=2026-11-20&period=7", NOW) == (
        datetime(2026, 11, 20, tzinfo=UTC),
        7,
    )
    assert period_module.from_query("period=90&as_of=2026-11-20T12:00:00%2B01:00", NOW) == (
        datetime(2026, 11, 20, 11, tzinfo=UTC),
        90,
    )
    window = period_module.Period(datetime(2026, 11, 22, tzinfo=UTC), 30)
    assert window.label == "Oct 23 to Nov 21, 2026"
    assert window.previous.label == "Sep 23 to Oct 22, 2026"
    assert window.holds(window.start)
    assert not window.holds(window.end)  # the as-of moment starts the next period
    assert window.previous.holds(window.start - timedelta(microseconds=1))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=14", "period must be one of 7, 30 or 90 (days), not 14"),
        ("period=30d", "period must be one of 7, 30 or 90 (days), not '30d'"),
        ("period=%EF%BC%93%EF%BC%90", "period must be one of 7, 30 or 90 (days), not '??'"),
        ("as_of=yesterday", "as_of must be a date such as 2026-11-20, not 'yesterday'"),
        ("as_of=<b>x</b>", "as_of must be a date such as 2026-11-20, not '?b?x??b?'"),
        ("days=30", "unknown parameter 'days': the report takes as_of and period"),
        ("period=7&period=30", "period is given more than once"),
        ("period", "the query string is not name=value pairs"),
        ("period=7&" + "x" * 200, "the query string is over 200 characters"),
    ],
)
def test_a_url_the_report_cannot_show_says_why(query: str, message: str) -> None:
    with pytest.raises(period_module.BadPeriod) as refused:
        period_module.from_query(query, NOW)
    assert str(refused.value) == message


def test_the_report_function_reads_its_period_from_the_event() -> None:
    at = datetime(2026, 11, 22, tzinfo=UTC)
    assert period_module.from_event({"as_of": "2026-11-22T00:00:00Z"}, NOW) == (at, 30)
    assert period_module.from_event({"as_of": "2026-11-22T00:00:00Z", "period": 90}, NOW) == (
        at,
        90,
    )
    assert period_module.from_event({}, NOW) == (NOW, 30)
    for bad in (True, 31, "seven"):
        with pytest.raises(period_module.BadPeriod):
            period_module.from_event({"period": bad}, NOW)


def _opportunity(name: str, currency: str, amount: str, created: datetime) -> OpportunityView:
    """An opportunity every model splits whole over one X touch."""
    split = {"seller": {"s-ana": Decimal(amount)}, "network": {"x": Decimal(amount)}}
    return OpportunityView(
        name,
        Decimal(amount),
        currency,
        "Closed Won",
        created,
        1,
        "linear",
        {m: split for m in MODELS},
    )


def test_the_headline_is_the_period_s_attributed_pipeline_once_per_currency() -> None:
    this, before = datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 10, 10, tzinfo=UTC)
    opportunities = [
        _opportunity("o1", "USD", "1000.00", this),
        _opportunity("o2", "USD", "500.00", this),
        _opportunity("o3", "USD", "1200.00", before),
        _opportunity("o4", "EUR", "300.00", before),
        _opportunity("o5", "JPY", "9000", datetime(2026, 8, 1, tzinfo=UTC)),  # in neither
    ]
    page = report_page.render(Canned(opportunities=opportunities))
    parsed = read(page)
    head = page.split("class=headline>")[1].split("</details>")[0]
    assert "Attributed pipeline, Linear model (the primary)" in head
    # 1,500 USD once, not once per each of the six models; EUR only the period before
    assert "<b>1,500.00 USD</b><span>attributed USD</span><small>previous 1,200.00 · +25%" in head
    assert "<b>0.00 EUR</b><span>attributed EUR</span><small>previous 300.00 · -100%" in head
    assert "JPY" not in head
    assert parsed.tables["attribution"][1:] == [["s-ana", *["1,500.00"] * len(MODELS)]]
    tiles = "".join(parsed.text)
    assert "2opportunities createdprevious 2 · =" in tiles


def test_sellers_show_the_previous_period_and_the_change() -> None:
    now = [
        SellerRow("s-ana", "north", Decimal(30), 3, Decimal(0), 0, {}),
        SellerRow("s-bo", "north", Decimal(10), 1, Decimal(0), 0, {}),
        SellerRow("s-cy", "south", Decimal(8), 1, Decimal(0), 0, {}),
    ]
    before = [
        SellerRow("s-ana", "north", Decimal(20), 2, Decimal(0), 0, {}),
        SellerRow("s-cy", "south", Decimal(8), 1, Decimal(0), 0, {}),
        SellerRow("s-dee", "south", Decimal(5), 1, Decimal(0), 0, {}),
    ]
    parsed = read(report_page.render(Canned(sellers=now, previous_sellers=before)))
    rows = {r[0]: r[2:5] for r in parsed.tables["sellers"]}
    assert rows["s-ana"] == ["30.0", "20.0", "+50%"]
    assert rows["s-bo"] == ["10.0", "0.0", "new"]
    assert rows["s-cy"] == ["8.0", "8.0", "="]
    assert rows["north"] == ["40.0", "20.0", "+100%"]  # the team's
    assert rows["south"] == ["8.0", "13.0", "-38%"]


@pytest.mark.parametrize(
    ("key", "link"),
    [
        ("x#2105658993670537609", "https://x.com/i/web/status/2105658993670537609"),
        ("facebook#1234567890", "https://www.facebook.com/story.php?story_fbid=1234567890"),
        (
            "linkedin#urn:li:activity:7123456789012345678",
            "https://www.linkedin.com/feed/update/urn:li:activity:7123456789012345678/",
        ),
        ("instagram#DAbc12_-xyZ", "https://www.instagram.com/p/DAbc12_-xyZ/"),
        ("instagram#17895695668004550", None),  # a media id: Instagram links need a shortcode
        ('x#123"><script>', None),  # not an id of X's shape: no link at all
        ("x#", None),
        ("myspace#1", None),
        ("no-network", None),
    ],
)
def test_posts_link_to_the_network_by_id_only(key: str, link: str | None) -> None:
    assert post_link(key) == link


def test_an_act_opens_where_to_answer_it() -> None:
    reply = hostile_queue().entries[0].touch
    x = replace(reply, post="x#2100000000000000002", own_post="x#2100000000000000001")
    assert act_link(x) == "https://x.com/i/web/status/2100000000000000001"
    comment = replace(x, network=Network.FACEBOOK, post="facebook#555", own_post="facebook#555_777")
    assert act_link(comment) == "https://www.facebook.com/story.php?story_fbid=555"
    page = report_page.render(
        Canned(queue=Queue([replace(hostile_queue().entries[0], touch=x)], {}, 1))
    )
    engage_rows = read(page).tables["engage"]
    assert engage_rows[1][1] == "x#2100000000000000001"
    assert 'href="https://x.com/i/web/status/2100000000000000001" target="_blank"' in page


def test_hot_leads_name_their_owner() -> None:
    scores = [
        ScoreRow(
            "003A", True, 40.0, 0.0, "2026-11-20T10:00:00+00:00", (), Owner("crm_owner", "005X")
        ),
        ScoreRow(
            "x#1", False, 30.0, 0.0, "2026-10-01T10:00:00+00:00", (), Owner("seller", "s-ana")
        ),
        ScoreRow("x#2", False, 26.0, 0.0, "2026-11-21T10:00:00+00:00", (), Owner("queue", "")),
    ]
    rows = read(report_page.render(Canned(scores=scores))).tables["hot"]
    assert rows[0][2] == "owner"
    assert [(r[0], r[2], r[6]) for r in rows[1:]] == [
        ("003A", "005X (CRM owner)", "yes"),
        ("x#1", "s-ana (seller)", "no"),  # hot before the period
        ("x#2", "owner queue", "yes"),
    ]


def _csv(page: str, name: str) -> list[list[str]]:
    """The rows of the CSV file a table's Download CSV link saves."""
    found = re.search(
        rf'download="socialscore-{name}\.csv" href="data:text/csv;charset=utf-8,([^"]*)"', page
    )
    assert found, name
    text = unquote(found.group(1))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_every_table_downloads_as_csv_and_no_cell_runs_as_a_formula() -> None:
    both = {"EUR": Decimal("18500.00"), "USD": Decimal("74814.06")}
    sellers = [
        SellerRow(
            '=HYPERLINK("http://evil.example")', "+team", Decimal("9.5"), 3, Decimal(0), 0, both
        ),
        SellerRow("@SUM(A1)", "-north", Decimal(4), 2, Decimal(0), 0, {}),
        SellerRow("s-ok", "\tteam", Decimal(1), 1, Decimal(0), 0, {}),
    ]
    posts = [PostRow("x#2105658993670537609", "s-ok", 1, 2, 3, {}, date(2026, 11, 3))]
    page = report_page.render(
        Canned(sellers=sellers, posts=posts, scores=big(50, 5, 5).scores(), queue=hostile_queue())
    )
    names = re.findall(r'download="socialscore-([\w-]+)\.csv"', page)
    assert page.count("<table>") == len(names)  # every table has its file
    assert set(names) >= {"sellers", "teams", "posts", "accounts", "hot-leads", "engage-now"}
    rows = _csv(page, "sellers")
    assert rows[0] == [
        "seller",
        "team",
        "organic pts",
        "previous period",
        "change",
        "touches",
        "paid pts",
        "paid touches",
        "attributed",
    ]
    assert rows[1] == [
        '\'=HYPERLINK("http://evil.example")',
        "'+team",
        "9.5",
        "0",
        "new",
        "3",
        "0",
        "0",
        "18500.00 EUR; 74814.06 USD",
    ]
    assert [r[:2] for r in rows[2:]] == [["'@SUM(A1)", "'-north"], ["s-ok", "'\tteam"]]
    assert _csv(page, "posts")[1] == [
        "https://x.com/i/web/status/2105658993670537609",
        "2026-11-03",
        "s-ok",
        "1",
        "2",
        "3",
        "",
    ]
