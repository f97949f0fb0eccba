"""A readable summary of what the pipeline stored: profiles, sellers, posts, opportunities."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialscore.aws import config
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import ProfileItems, standing
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger_items import is_flag
from socialscore.wiring.reads import Stores
from socialscore_local import people
from socialscore_local.webhooks import Replay

if TYPE_CHECKING:
    from socialscore_local.runtime import LocalRuntime

STAGES = ["IngestFunction", "RehydrateFunction", "ResolveFunction", "ScoreFunction"]


@dataclass(frozen=True)
class ProfileRow:
    who: str  # a contact id, or "anonymous <network#user id>"
    organic: float
    paid: float
    buckets: tuple[str, ...]  # the scoring model's bucket names, in its order


def contact_of(rt: LocalRuntime) -> dict[str, str]:
    """identity -> the contact it is linked to."""
    linked = Stores(rt.table).identities.all_contacts()
    return {i: c for c, ids in linked.items() for i in ids}


def model_of(rt: LocalRuntime) -> ScoringModel:
    """The model the score stage scores with."""
    return config.scoring_model(
        rt.function_environment("ScoreFunction").get("SCORING_MODEL_PARAMETER")
    )


def profiles(
    model: ScoringModel,
    stored: ProfileItems,
    contacts: dict[str, str],
    touches: list[Touch],
    as_of: datetime,
) -> list[ProfileRow]:
    """Scores and buckets per contact (all its linked identities) or per anonymous profile,
    best first, from the profiles' stored items and their counted touches."""
    mine: dict[str, list[str]] = defaultdict(list)  # who -> its identities with a score
    for identity in sorted({i for i, _ in stored}):
        mine[contacts.get(identity) or f"anonymous {identity}"].append(identity)
    counted: dict[str, list[Touch]] = defaultdict(list)
    for t in touches:
        counted[contacts.get(t.profile) or f"anonymous {t.profile}"].append(t)
    rows = []
    for who, identities in mine.items():
        now = standing(stored, identities, as_of, model)
        rows.append(ProfileRow(who, now.organic, now.paid, now.buckets(model, counted[who])))
    return sorted(rows, key=lambda r: (-r.organic, -r.paid, r.who))


def outbox(rt: LocalRuntime) -> Path:
    return Path(rt.local_environment["FILE_CRM_OUTBOX"])


def crm_state(rt: LocalRuntime) -> dict[str, dict[str, Any]]:
    """What the CRM holds after the pushes: upserts by external id, the last one wins."""
    state: dict[str, dict[str, Any]] = {}
    path = outbox(rt)
    if path.exists():
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["type"] == "activity":  # one per interaction, on its contact's record
                state[f"activity#{record['id']}"] = record
                continue
            if record["type"] == "removed_activity":
                state.pop(f"activity#{record['id']}", None)
                continue
            key = record.get("contact_id") or record.get("opportunity_id")
            state[f"{record['type']}#{key}"] = record
    return state


Breakdown = tuple[str, str, str, Decimal]  # (opportunity, model, seller, amount)


def outbox_breakdown(rt: LocalRuntime) -> list[Breakdown]:
    """The seller breakdown records the file CRM holds: upserted by key, deleted when retired."""
    held: dict[str, Breakdown] = {}
    path = outbox(rt)
    for line in path.read_text().splitlines() if path.exists() else []:
        record = json.loads(line)
        if record["type"] == "influence_record" and record.get("seller_id"):
            held[record["key"]] = (
                record["opportunity_id"],
                record["model"],
                record["seller_id"],
                Decimal(record["amount"]),
            )
        elif record["type"] == "retired_influence_record":
            held.pop(record["key"], None)
    return list(held.values())


def side_by_side(breakdown: list[Breakdown]) -> list[str]:
    """Per opportunity and seller, the amount under every model, in one table."""
    models = sorted({m for _, m, _, _ in breakdown})
    table: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for opportunity, model, seller, amount in breakdown:
        table[(opportunity, seller)][model] = amount
    head = "".join(f" {m[:14]:>14}" for m in models)
    out = [
        "Amount by seller under every attribution model",
        f"  {'opportunity':<12} {'seller':<12}{head}",
    ]
    for (opportunity, seller), amounts in sorted(table.items()):
        cells = "".join(f" {amounts.get(m, Decimal(0)):>14.2f}" for m in models)
        out.append(f"  {opportunity:<12} {seller:<12}{cells}")
    return out


def channel_shares(rt: LocalRuntime) -> list[str]:
    """The daily job's algorithmic shares of conversions, per channel, beside each other."""
    result = Stores(rt.table).channel_shares.get()
    if not result:
        return []
    out = [
        "",
        f"Algorithmic attribution over all journeys ({result['journeys']} journeys, "
        f"{result['conversions']} converted; channel: {result['channel']})",
        f"  {'channel':<14} {'Markov':>8} {'Shapley':>8}",
    ]
    for channel in sorted(set(result["markov"]) | set(result["shapley"])):
        markov, shapley = result["markov"].get(channel, 0), result["shapley"].get(channel, 0)
        out.append(f"  {channel:<14} {float(markov):>8.2f} {float(shapley):>8.2f}")
    return out


def _rate(count: Decimal, posts: int) -> str:
    return f"{float(count) / posts:.2f}" if posts else "-"


def render(
    rt: LocalRuntime,
    replayed: Replay,
    first_sync: dict[str, Any],
    second_sync: dict[str, Any],
    as_of: datetime,
    landed: dict[str, dict[str, Any]] | None = None,
    breakdown: list[Breakdown] | None = None,
    heard: list[dict[str, Any]] | None = None,
) -> str:
    """`landed` and `breakdown`: what a CRM holds per opportunity, when it is not the file
    CRM; `heard`: the HotLead and Complaint events on the bus (people.listen)."""
    stores = Stores(rt.table)
    lines: list[str] = []
    add = lines.append
    add(f"socialscore demo: scores as of {as_of.isoformat()}")
    add("")
    add(
        f"Webhooks: {replayed.deliveries} deliveries, {replayed.events} events accepted; "
        f"HTTP statuses {dict(sorted(replayed.statuses.items()))}"
    )
    for problem in replayed.unexpected:
        add(f"  UNEXPECTED {problem}")
    ledger = [i for i in dynamo.scan(rt.table("LedgerTable")) if not is_flag(i["touch"])]
    add(f"Touch ledger: {len(ledger)} touches (duplicates and retries counted once)")
    dlqs = {q: rt.depth(q) for q in rt.dead_letter_queues()}
    add(f"Dead-letter queues: {dlqs}")

    add("")
    add("Top profiles (organic and paid are never summed)")
    add(f"  {'profile':<34} {'organic':>9} {'paid':>9}  buckets")
    table = stores.scores.read_all()  # one scan for the profiles, sellers and posts below
    stored, contacts, model = table.profile_items(), contact_of(rt), model_of(rt)
    counted = stores.ledger.every_touch()
    every = profiles(model, stored, contacts, counted, as_of)
    for row in every[:10]:
        shown = ", ".join(row.buckets) or "-"
        add(f"  {row.who:<34} {row.organic:>9.2f} {row.paid:>9.2f}  {shown}")
    add(f"Buckets (the scoring model's segments; of {len(every)} profiles, one can be in several)")
    for rule in model.buckets:
        members = sum(1 for row in every if rule.name in row.buckets)
        add(f"  {rule.name:<20} {rule.label:<28} {members:>5}")

    last = max((t.occurred_at for t in counted), default=as_of)
    lines.extend(people.lines(rt, heard or [], contacts, model, last))

    add("")
    add("Seller credit leaderboard (organic points earned by their posts)")
    add(f"  {'seller':<12} {'team':<12} {'points':>8} {'touches':>8} {'paid pts':>9}")
    sellers = table.sellers
    for seller, c in sorted(sellers.items(), key=lambda kv: -kv[1].get("organic_points", 0)):
        add(
            f"  {seller:<12} {c.get('team', ''):<12} {c.get('organic_points', 0):>8} "
            f"{c.get('organic_touches', 0):>8} {c.get('paid_points', 0):>9}"
        )

    crm = crm_state(rt) if landed is None else {f"opportunity#{k}": v for k, v in landed.items()}
    value: dict[str, Decimal] = defaultdict(Decimal)
    for record in crm.values():
        for post, amount in record.get("by_post", {}).items():
            value[post] += Decimal(amount)
    add("")
    add("Posts (Kaushik: conversation = comments, amplification = shares + quotes,")
    add("       applause = likes, economic value = attributed revenue)")
    add(f"  {'post':<26} {'author':<8} {'comments':>8} {'amplif.':>8} {'likes':>6} {'value':>10}")
    posts = table.posts
    cache = dynamo.batch_get(rt.table("PostCacheTable"), "post", list(posts))
    authors = stores.sellers.of_accounts([f"x#{p['author_id']}" for p in cache.values()])
    per_author: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for post, c in sorted(posts.items(), key=lambda kv: kv[0]):
        author_id = cache.get(post, {}).get("author_id", "?")
        credited = authors.get(f"x#{author_id}")
        author = credited.seller_id if credited else author_id
        comments = c.get("organic_comment", Decimal(0))
        shares = c.get("organic_share", Decimal(0)) + c.get("organic_quote", Decimal(0))
        likes = c.get("organic_like", Decimal(0))
        add(f"  {post:<26} {author:<8} {comments:>8} {shares:>8} {likes:>6} {value[post]:>10}")
        totals = per_author[author]
        for n, amount in enumerate((Decimal(1), comments, shares, likes)):
            totals[n] += amount
    add("  per account, rates per post:")
    for author, (count, comments, shares, likes) in sorted(per_author.items()):
        n = int(count)
        add(
            f"    {author:<10} posts {n}: conversation {_rate(comments, n)}, "
            f"amplification {_rate(shares, n)}, applause {_rate(likes, n)}"
        )

    add("")
    add("Opportunities: attributed social influence over organic touches (primary model first)")
    for _, record in sorted(crm.items()):
        if record["type"] != "opportunity_influence":
            continue
        sellers_part = ", ".join(f"{s} {a}" for s, a in record["by_seller"].items()) or "-"
        add(
            f"  {record['opportunity_id']}: {record['attributed_amount']} {record['currency']} "
            f"over {record['touches']} touches; by seller: {sellers_part}"
        )
    add("")
    lines.extend(side_by_side(breakdown if breakdown is not None else outbox_breakdown(rt)))
    lines.extend(channel_shares(rt))
    add("")
    add(f"crm_sync: first run {first_sync}")
    add(f"          second run {second_sync} (nothing pushed: unchanged)")
    if landed is None:
        add(f"CRM outbox: {outbox(rt)}")

    add("")
    add(
        f"AWS API calls per accepted event ({replayed.events} events), counted with botocore hooks:"
    )
    for stage in STAGES:
        ops = {op: n for (fn, op), n in sorted(rt.calls.items()) if fn == stage}
        total = sum(ops.values())
        per = total / replayed.events if replayed.events else 0
        add(f"  {stage:<18} {per:5.3f}  {ops}")
    return "\n".join(lines)
