"""The report page drawn from the demo's stack: its numbers are the Snapshot's (the demo's data,
through the whole pipeline), nothing is loaded from anywhere, each profile's buckets are the
CLI's, `socialscore report` writes the same page, and the link `socialscore report --link`
signs lives one second to seven days (that it opens the page the report function wrote, as
scheduled: tests/ops/test_report_grants.py, on the stack whose report runs it checks). The
page's rules on made-up Snapshots are proven in memory (tests/unit/test_report_rules.py)."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from socialscore.aws import clients
from socialscore.report import page as report_page
from socialscore.report import tally
from socialscore.report.names import model_name
from socialscore.report.profiles import owner_text
from socialscore.report.rows import Money, money_text
from socialscore.report.snapshot import Snapshot
from socialscore_local.ops_bridge import outputs
from socialscore_local.paths import DEMO_DIR
from socialscore_ops.people import MOST_PROFILES
from socialscore_ops.stack import Stack
from tests.ops.conftest import DeployedStack
from tests.session_hooks import hooked
from tests.unit.report_pages import read, values

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py


# --- the demo's data --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_stack: DeployedStack) -> tuple[Snapshot, str]:
    """The page as `socialscore report --as-of` draws it on this stack (its name on the page)."""
    stack = Stack(demo_stack.name, outputs(demo_stack.rt))
    started = time.perf_counter()
    page = report_page.render(Snapshot(stack, demo_stack.as_of))
    print(f"report page at demo size: {(time.perf_counter() - started) * 1000:.0f} ms")
    # the tests compare with a snapshot of their own: the same tables, read again
    return Snapshot(stack, demo_stack.as_of), page


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


def test_the_posts_with_reactions_before_read_their_reactions_alone(
    demo_stack: DeployedStack,
) -> None:
    """The page's "posts with reactions" of the period before is as many as posts() shows,
    from the rollups' reaction counters alone: no post cache nor sellers read for it."""
    snapshot = Snapshot(Stack("test", outputs(demo_stack.rt)), demo_stack.as_of)
    before = snapshot.period.previous
    asked: list[tuple[str, str]] = []
    attributes: set[str] = set()

    def ask(model: Any, params: dict[str, Any], **_: Any) -> None:
        asked.append((model.name, str(params.get("TableName", params.get("RequestItems")))))

    def got(parsed: dict[str, Any], **_: Any) -> None:
        attributes.update(a for item in parsed.get("Items", []) for a in item)

    events = clients.client("dynamodb").meta.events
    events.register("before-parameter-build.dynamodb", ask, unique_id="p2-ask")
    events.register("after-call.dynamodb", got, unique_id="p2-got")
    try:
        count = snapshot.posts_with_reactions(before.start, before.end)
    finally:
        events.unregister("before-parameter-build.dynamodb", unique_id="p2-ask")
        events.unregister("after-call.dynamodb", unique_id="p2-got")
    fresh = Snapshot(Stack("test", outputs(demo_stack.rt)), demo_stack.as_of)
    assert count == len(fresh.posts(before.start, before.end)) > 0
    scores = demo_stack.rt.table("ScoresTable")
    assert set(asked) == {("Query", scores)}  # a Query a day, the rollups alone
    assert len(asked) == before.days
    assert attributes <= {"pk", *tally.REACTIONS}  # what the count needs, nothing else sent


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
    deliveries = json.loads((DEMO_DIR / "webhooks.json").read_text())
    permalinks = re.findall(r"https://x\.com/(\w+)/status/", json.dumps(deliveries))
    posts = json.loads((DEMO_DIR / "posts.json").read_text())
    texts = [p["text"] for p in posts if p.get("text")]
    shown = page.lower()
    assert permalinks
    assert texts
    assert not [h for h in {*permalinks} if h.lower() in shown]
    assert not [t for t in texts if t.lower() in shown]


def test_socialscore_report_writes_the_page(
    demo: tuple[Snapshot, str], demo_stack: DeployedStack, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    answer = demo_stack.socialscore("report", "--out", str(out), "--as-of", demo_stack.at)
    assert answer.code == 0, answer.err
    assert answer.out.strip() == str(out)
    assert out.read_text() == demo[1]
    answer = demo_stack.socialscore("report", "--out", str(out), "--json", "--period", "7")
    assert answer.json()["path"] == str(out)
    assert answer.json()["bytes"] == out.stat().st_size
    assert answer.json()["period_days"] == 7
    assert "<h1>Social selling report: the last 7 days</h1>" in out.read_text()


def test_socialscore_report_refuses_in_one_line(demo_stack: DeployedStack, tmp_path: Path) -> None:
    asked: list[str] = []
    with hooked("before-parameter-build.dynamodb", lambda model, **_: asked.append(model.name)):
        answer = demo_stack.socialscore("report", "--out", str(tmp_path / "no" / "such" / "r.html"))
    assert answer.code == 2
    assert answer.err.count("\n") == 1
    assert "cannot write" in answer.err
    assert asked == []  # at once: no table read for a page it could not write
    # A date or a period that is none is refused before any stack: tests/unit/test_ops_arguments.py


@pytest.mark.parametrize("seconds", ["0", "604801"])
def test_a_link_lives_one_second_to_seven_days(demo_stack: DeployedStack, seconds: str) -> None:
    answer = demo_stack.socialscore("report", "--link", "--expires", seconds)
    assert answer.code == 2
    assert answer.err == f"socialscore: --expires takes 1 to 604800 seconds, not {seconds}\n"


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
    flagged = [s for s in scores if s.hot_since]
    assert flagged, "the demo has a hot lead (its acts moved to an hour before it ran)"
    assert set(hot) == {s.who for s in flagged}
    for s in flagged:
        assert hot[s.who] == (", ".join(labels[b] for b in s.buckets) or "-")
    # each profile, the same buckets on the page as in `socialscore profile` (many ids in one
    # call: each shown as alone, tests/ops/test_people.py)
    who = [s.who for s in scores]
    assert 1 < len(who) <= MOST_PROFILES
    answer = demo_stack.socialscore("profile", *who, "--as-of", demo_stack.at, "--json")
    assert answer.code == 0, answer.err
    shown = answer.json()
    assert len(shown) == len(scores)
    for s, view in zip(scores, shown, strict=True):
        assert view["buckets"] == list(s.buckets), s.who
