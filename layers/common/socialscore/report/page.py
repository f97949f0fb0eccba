"""The report page a marketing manager opens: sellers and teams, organic and paid by day, posts
and accounts by Kaushik's social metrics, attribution by seller under every model, the profiles
in each of the scoring model's buckets, hot leads, the top of the engage-now queue and the spread
of scores. One self-contained
HTML page (serve's GET /report, `socialscore report`): charts are inline SVG drawn here, the CSS
is inline, and its Content-Security-Policy lets it load nothing at all. It shows ids and numbers
only, never a post's text or a handle.

At thousands of profiles it stays a page: the tables and bar charts show the top rows and say
how many more there are; the score histogram counts every profile.
"""

from __future__ import annotations

from datetime import UTC
from html import escape
from urllib.parse import quote

from socialscore.report import coverage, engage, freshness, headline, profiles, sections
from socialscore.report.charts import fmt
from socialscore.report.period import PERIODS
from socialscore.report.snapshot import Snapshot

# Nothing loads: no script, no font, no image but data: URIs (the favicon), no request at all.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

CSS = """
:root{--ink:#1d2430;--muted:#5b6473;--line:#e3e6ea;--bg:#f6f7f9}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);
 background:var(--bg);margin:0;overflow-wrap:anywhere}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 4px}
h3{font-size:14px;margin:12px 0 4px}
p{margin:4px 0 10px}.lede,.more,footer{color:var(--muted)}.more{font-size:12px;font-style:italic}
nav a{color:var(--muted);margin-right:12px;font-size:13px}
nav.periods{margin:6px 0 10px;font-size:13px}nav.periods a[aria-current]{color:var(--ink);
 font-weight:700;text-decoration:none}
section,.headline{background:#fff;border:1px solid var(--line);border-radius:8px;
 padding:14px 18px;margin:14px 0;break-inside:avoid}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;
 margin:8px 0}
.tile{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fff}
.tile b{display:block;font-size:20px}.tile span,.tile small{display:block;color:var(--muted);
 font-size:12px}.big .tile b{font-size:24px}
.pair{display:grid;grid-template-columns:minmax(0,1fr);gap:18px;align-items:start}
.pair.over>div:first-child{max-width:640px}
@media (min-width:1200px){.pair:not(.over){grid-template-columns:minmax(0,1fr) minmax(0,1fr)}}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:12.5px;font-variant-numeric:tabular-nums}
th,td{padding:3px 6px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap;
 overflow-wrap:normal}
th{font-weight:600;color:var(--muted);white-space:normal;vertical-align:bottom}
td.n,th.n{text-align:right}td a{color:#0b5cad}
a.csv{display:inline-block;font-size:12px;margin:2px 0 4px;color:#0b5cad}
svg.chart{width:100%;min-width:514px;height:auto;display:block}
svg text{font-size:12px;fill:var(--ink)}svg .tick,svg .legend{fill:var(--muted)}
svg .axis{fill:var(--muted);font-weight:600}
svg .grid{stroke:var(--line)}svg polyline{stroke-width:1.8}
svg .marker{stroke:#D55E00;stroke-dasharray:4 3}svg .spread{stroke:#c9ced6;stroke-width:2}
details summary{cursor:pointer;color:var(--muted);font-size:12.5px}
@media (max-width:600px){main{padding:12px 10px 28px}section,.headline{padding:10px}
 h1{font-size:19px}.tiles{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media print{body{background:#fff;font-size:11px}main{padding:0}nav,a.csv{display:none}
 section,.headline{border:0;padding:0;margin:0 0 14px;break-inside:auto}
 h2,h3{break-after:avoid}.pair,.pair.over{display:block}.scroll{overflow:visible}
 svg.chart{max-width:560px;break-inside:avoid}tr{break-inside:avoid}
 *{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
@page{margin:12mm}
"""


def render(snapshot: Snapshot, switch: str | None = None) -> str:
    """The whole page; reads each of the snapshot's views once. `switch`: links to the other
    periods, keeping this as-of (its `as_of` parameter, "" for now); None on a written page,
    which no server reads parameters for."""
    model, period = snapshot.model, snapshot.period
    before = period.previous
    sellers = snapshot.sellers(period.start, until=period.end)
    previous_sellers = snapshot.sellers(before.start, until=before.end)
    posts = snapshot.posts(period.start, period.end)
    days = snapshot.days(period.start, period.end)
    earlier = snapshot.days(before.start, before.end)
    both = snapshot.opportunities_in(before.start, period.end)  # the two periods' alone
    opportunities = [o for o in both if period.holds(o.created_at)]
    as_of = f"{snapshot.as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    threshold = model.hot_lead_threshold
    # First: without the tally's bins it reads the grouping whole, which the hot leads reuse.
    spread = snapshot.spread()
    hot = snapshot.hot_leads(profiles.TOP_LEADS)
    labels = {b.name: b.label for b in model.buckets}
    queue = snapshot.engage(engage.TOP_ACTS)
    counted = snapshot.counted_buckets()
    head = (
        f"<h1>Social selling report: the last {period.days} days</h1><p class=lede>"
        f"{escape(period.label)}, beside the {period.days} days before ({escape(before.label)}). "
        f"Stack {escape(snapshot.stack.name)}, as of {as_of}. Scoring model "
        f"{escape(model.version)} (half-life {fmt(model.half_life_days, 1)} days, hot lead at "
        f"organic score {fmt(threshold, 1)}). Organic and paid are kept apart, never summed; "
        "so are currencies.</p>"
        + (_switch(period.days, switch) if switch is not None else "")
        + headline.pipeline(both, period, model.attribution.primary)
        + headline.tiles(
            [
                (
                    "organic touches",
                    sum(d.organic_touches for d in days),
                    sum(d.organic_touches for d in earlier),
                ),
                (
                    "paid touches",
                    sum(d.paid_touches for d in days),
                    sum(d.paid_touches for d in earlier),
                ),
                ("sellers credited", len(sellers), len(previous_sellers)),
                (
                    "posts with reactions",
                    len(posts),
                    snapshot.posts_with_reactions(before.start, before.end),
                ),
                (
                    "opportunities created",
                    len(opportunities),
                    sum(1 for o in both if before.holds(o.created_at)),
                ),
                ("new hot leads", headline.hot_in(hot, period), headline.hot_in(hot, before)),
            ]
        )
    )
    parts = [
        ("sellers", "Sellers and teams", sections.sellers(sellers, previous_sellers)),
        ("days", "Organic and paid, day by day", sections.days(days)),
        (
            "posts",
            "Posts: conversation, amplification, applause, economic value",
            sections.posts(posts),
        ),
        (
            "attribution",
            "Attribution by seller, under each model",
            sections.attribution(
                opportunities,
                snapshot.attributed("seller", period.start, period.end),
                model.attribution.models,
            ),
        ),
        (
            "buckets",
            "Buckets: the scoring model's segments",
            profiles.buckets(
                counted.rows, model.buckets, spread.profiles, freshness.counted(counted.source)
            ),
        ),
        ("hot", "Hot leads", profiles.hot_leads(hot, threshold, labels, period.start)),
        (
            "coverage",
            "Identity coverage: engagement from known contacts",
            coverage.section(coverage.of(snapshot)),
        ),
        (
            "engage",
            "Engage now: acts worth answering",
            engage.engage_now(queue, model.engage, labels),
        ),
        ("scores", "Score distribution", profiles.distribution(spread, threshold)),
    ]
    nav = "".join(f'<a href="#{k}">{escape(title.split(":")[0])}</a>' for k, title, _ in parts)
    body = "".join(
        f'<section id="{k}"><h2>{escape(title)}</h2>{html}</section>' for k, title, html in parts
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">'
        '<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>socialscore report: {escape(snapshot.stack.name)}, last {period.days} days, "
        f"{as_of}</title>"
        f"<style>{CSS}</style></head><body><main><header>{head}<nav>{nav}</nav></header>"
        f"{body}<footer>socialscore · ids and numbers only: no post text, no handles. Posts are "
        "network#post id, linked to the network's own page; a profile is a CRM contact id or "
        "network#user id. Each table's Download CSV saves its rows.</footer>"
        "</main></body></html>"
    )


def _switch(days: int, as_of: str) -> str:
    """The periods to switch to, this one marked; links on this server keep the as-of."""
    keep = f"as_of={quote(as_of)}&" if as_of else ""
    links = [
        f'<a aria-current="page">{n} days</a>'
        if n == days
        else f'<a href="?{escape(keep)}period={n}">{n} days</a>'
        for n in PERIODS
    ]
    return f"<nav class=periods>Period: {' '.join(links)}</nav>"
