"""The report's engage-now section: the top of the queue as of the page's moment, and why."""

from __future__ import annotations

from collections.abc import Mapping

from socialscore.domain.engage import Queue, entry_json
from socialscore.domain.engage_rules import Engage
from socialscore.report import blocks
from socialscore.report.blocks import Col, Link
from socialscore.report.charts import fmt
from socialscore.report.links import act_link

TOP_ACTS = 10


def why_text(why: Mapping[str, float]) -> str:
    """The reasons that weigh, largest first, then the recency they are multiplied by."""
    parts = sorted(((v, k) for k, v in why.items() if k != "recency" and v), reverse=True)
    return " + ".join(f"{k} {fmt(v, 1)}" for v, k in parts) + f" (x{why['recency']:.2f} recency)"


def engage_now(queue: Queue, rules: Engage, labels: Mapping[str, str]) -> str:
    """`labels`: bucket name -> its label, as the model names them."""
    lede = (
        f"<p class=lede>Replies, quotes and mentions of the last {fmt(rules.expire_hours, 0)} "
        "hours nobody answered yet, best first: the actor's organic score, intent keywords, "
        "complaints, the actor's audience and buckets, each weighed as the scoring model says, "
        f"halved every {fmt(rules.half_life_hours, 1)} hours of age. An act opens where to "
        "answer it: the reply, quote or mention itself on X, the post commented on elsewhere. "
        "The same queue as GET /engage and the socialscore engage command.</p>"
    )
    if not queue.entries:
        return lede + blocks.none("act waiting for an answer")
    cols: list[Col] = [("rank", 1), ("act", None), ("kind", None), ("who", None)]
    cols += [("answer (seller)", None), ("why", None), ("buckets", None)]
    rows = []
    for e in queue.entries[:TOP_ACTS]:
        j = entry_json(e, queue.contacts.get(e.touch.profile))
        rows.append(
            (
                e.rank,
                Link(j["act"] or j["answers_post"] or "-", act_link(e.touch)),
                j["kind"],
                j["contact_id"] or j["profile"],
                j["seller_id"],
                why_text(j["why"]),
                ", ".join(labels.get(b, b) for b in e.buckets) or "-",
            )
        )
    shown = min(len(queue.entries), TOP_ACTS)
    table = blocks.table(cols, rows, "engage-now")
    return lede + table + blocks.more(queue.waiting, shown, "waiting")
