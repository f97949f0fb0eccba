"""The report page's rules, on Snapshots made up in memory: every value escaped, amounts in two
currencies never added, an empty stack's page, 5,000 profiles in bounded size and time, score
bins and buckets, the URL's period, the headline, the previous period, links by id, owners, and
every table as CSV with no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import escape
from urllib.parse import unquote

import pytest

from socialscore.domain.engage import Queue
from socialscore.domain.interaction import Network
from socialscore.domain.owners import Owner
from socialscore.domain.scoring_model import bundled
from socialscore.report import page as report_page
from socialscore.report import period as period_module
from socialscore.report import profiles as report_profiles
from socialscore.report import sections as report_sections
from socialscore.report.links import act_link, post_link
from socialscore.report.rows import (
    DayRow,
    OpportunityView,
    PostRow,
    ScoreRow,
    SellerRow,
)
from tests.unit.report_pages import HOSTILE, MODELS, Canned, big, hostile_queue, read, values


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
