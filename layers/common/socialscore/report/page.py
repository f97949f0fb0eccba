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

from socialscore.report import engage, profiles, sections
from socialscore.report.charts import fmt
from socialscore.report.snapshot import Snapshot

# Nothing loads: no script, no font, no image but data: URIs (the favicon), no request at all.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

CSS = """
:root{--ink:#1d2430;--muted:#5b6473;--line:#e3e6ea;--bg:#f6f7f9}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);
 background:var(--bg);margin:0}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 4px}
h3{font-size:14px;margin:12px 0 4px}
p{margin:4px 0 10px}.lede,.more,footer{color:var(--muted)}.more{font-size:12px;font-style:italic}
nav a{color:var(--muted);margin-right:12px;font-size:13px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;
 margin:14px 0;break-inside:avoid}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:8px}
.tile{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fff}
.tile b{display:block;font-size:20px}.tile span{color:var(--muted);font-size:12px}
.pair{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,6fr);gap:18px;align-items:start}
.pair.over{grid-template-columns:minmax(0,1fr)}.pair.over>div:first-child{max-width:640px}
.pair>div{overflow-x:auto}
@media (max-width:900px){.pair{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%;font-size:12.5px;font-variant-numeric:tabular-nums}
th,td{padding:3px 6px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{font-weight:600;color:var(--muted);white-space:normal;vertical-align:bottom}td.n,th.n{text-align:right}
svg.chart{width:100%;height:auto;display:block}
svg text{font-size:12px;fill:var(--ink)}svg .tick,svg .legend{fill:var(--muted)}
svg .grid{stroke:var(--line)}svg polyline{stroke-width:1.8}
svg .marker{stroke:#D55E00;stroke-dasharray:4 3}svg .spread{stroke:#c9ced6;stroke-width:2}
details summary{cursor:pointer;color:var(--muted);font-size:12.5px}
@media print{body{background:#fff;font-size:11px}main{padding:0}nav{display:none}
 section{border:0;padding:0;margin:0 0 14px;break-inside:auto}h2,h3{break-after:avoid}
 .pair,.pair.over{display:block}.pair>div{overflow:visible}svg.chart{max-width:560px;break-inside:avoid}
 #chart-days{max-width:none}tr{break-inside:avoid}
 *{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
@page{margin:12mm}
"""


def render(snapshot: Snapshot) -> str:
    """The whole page; reads each of the snapshot's views once."""
    model = snapshot.model
    sellers, posts, scores, days = (
        snapshot.sellers(),
        snapshot.posts(),
        snapshot.scores(),
        snapshot.days(),
    )
    opportunities = snapshot.opportunities
    as_of = f"{snapshot.as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    threshold = model.hot_lead_threshold
    hot = [s for s in scores if s.hot_since]
    labels = {b.name: b.label for b in model.buckets}
    queue = snapshot.engage(engage.TOP_ACTS)
    tiles = [
        ("sellers", len(sellers)),
        ("teams", len({s.team for s in sellers})),
        ("posts with reactions", len(posts)),
        ("profiles scored", len(scores)),
        ("hot leads", len(hot)),
        ("opportunities", len(opportunities)),
        ("organic touches", sum(d.organic_touches for d in days)),
        ("paid touches", sum(d.paid_touches for d in days)),
    ]
    head = (
        f"<h1>Social selling report</h1><p class=lede>Stack {escape(snapshot.stack.name)}, "
        f"as of {as_of}. Scoring model {escape(model.version)} (half-life "
        f"{fmt(model.half_life_days, 1)} days, hot lead at organic score {fmt(threshold, 1)}); "
        f"attribution model {escape(model.attribution.primary)} first. Organic and paid are "
        "kept apart, never summed; so are currencies.</p><div class=tiles>"
        + "".join(f"<div class=tile><b>{n:,}</b><span>{escape(k)}</span></div>" for k, n in tiles)
        + "</div>"
    )
    parts = [
        ("sellers", "Sellers and teams", sections.sellers(sellers)),
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
                opportunities, snapshot.attributed("seller"), model.attribution.models
            ),
        ),
        (
            "buckets",
            "Buckets: the scoring model's segments",
            profiles.buckets(snapshot.buckets(scores), model.buckets, len(scores)),
        ),
        ("hot", "Hot leads", profiles.hot_leads(hot, threshold, labels)),
        (
            "engage",
            "Engage now: acts worth answering",
            engage.engage_now(queue, model.engage, labels),
        ),
        ("scores", "Score distribution", profiles.distribution(scores, threshold)),
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
        f"<title>socialscore report: {escape(snapshot.stack.name)}, {as_of}</title>"
        f"<style>{CSS}</style></head><body><main><header>{head}<nav>{nav}</nav></header>"
        f"{body}<footer>socialscore · ids and numbers only: no post text, no handles. Posts are "
        "network#post id; a profile is a CRM contact id or network#user id.</footer>"
        "</main></body></html>"
    )
