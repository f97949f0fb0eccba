"""Engage now: the acts worth answering, ranked by the scoring model's `engage` weights.

An act is in the queue when it is an organic reply, quote or mention (the model's `kinds`) with
a post of its own to answer, it counts in the ledger (not deleted, not erased), it happened in
the last `expire_hours`, and nobody answered it yet. Its rank is the sum of its reasons, times
its recency:

    (score * actor's organic score now + intent * intent keywords hit
     + complaint * [a complaint] + reach * log10(1 + actor's followers)
     + the weight of each bucket the actor is in) * 2 ** (-age / half_life_hours)

so an act loses half its rank every `half_life_hours`. Buckets cost a read of the actor's
ledger, so they are worked out only for the acts that could still make the top: an act's rank
is at most its rank with every bucket weight added, and the ranking stops once the last place
of the top beats that bound for every act left (the threshold algorithm).

The queue's JSON (`queue_json`) is the one shape the endpoint, the ops CLI and the local runtime
give: ids, links made from ids, numbers and keyword hits; never words or handles.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialscore.domain.engage_rules import ANSWERABLE, Engage
from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch, own_link


def answerable(t: Touch) -> bool:
    """Could be in some model's queue: the ledger indexes these (by day) for the queue's read."""
    return t.category is Category.ORGANIC and t.kind in ANSWERABLE and t.own_post is not None


def window(rules: Engage, now: datetime) -> tuple[datetime, datetime]:
    """The acts the queue holds happened after the first moment, up to the second."""
    return now - timedelta(hours=rules.expire_hours), now


@dataclass(frozen=True)
class Entry:
    """One act in the queue, why it ranks, and until when it stays."""

    touch: Touch
    rank: float
    factors: dict[str, float]  # each reason's part of the rank, before recency
    recency: float  # 2 ** (-age / half_life): the rank is sum(factors) * recency
    buckets: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True)
class Queue:
    """The top of the engage-now queue, as every reader shows it."""

    entries: list[Entry]  # the top, best first
    contacts: dict[str, str]  # profile -> contact id, for the entries' linked actors
    waiting: int  # acts in the queue (unanswered, in the window), the top's and the others


def factors(
    t: Touch, organic_score: float, buckets: Iterable[str], rules: Engage
) -> dict[str, float]:
    w = rules.weights
    followers = t.actor_followers or 0
    return {
        "score": w.score * organic_score,
        "intent": w.intent * len(t.intent_hits),
        "complaint": w.complaint if t.complaint_hits else 0.0,
        "reach": w.reach * math.log10(1 + followers),
        "buckets": sum(w.buckets.get(b, 0.0) for b in buckets),
    }


def recency(t: Touch, rules: Engage, now: datetime) -> float:
    age = max(0.0, (now - t.occurred_at).total_seconds())
    return float(2 ** (-age / (rules.half_life_hours * 3600)))


def rank(
    acts: Sequence[Touch],
    scores: dict[str, float],
    buckets_of: Callable[[str], tuple[str, ...]],
    rules: Engage,
    now: datetime,
    limit: int,
) -> list[Entry]:
    """The top `limit` of these acts (the queue's, already filtered), best first; ties go to the
    later act. `scores`: each actor's organic score now (0 when absent); `buckets_of(profile)`
    is asked only for acts that could make the top."""
    if limit < 1:
        return []
    since, _ = window(rules, now)
    live = [t for t in acts if t.kind in rules.kinds and since < t.occurred_at <= now]
    best_case = sum(rules.weights.buckets.values())

    def bound(t: Touch) -> float:
        base = factors(t, scores.get(t.profile, 0.0), (), rules)
        # A hair over: the exact rank adds the same weights in another order (floats).
        return (sum(base.values()) + best_case) * recency(t, rules, now) * (1 + 1e-9)

    ordered = sorted(live, key=lambda t: (-bound(t), -t.occurred_at.timestamp(), t.own_post))
    top: list[tuple[float, float, int, Entry]] = []  # a min-heap of the best `limit`
    known: dict[str, tuple[str, ...]] = {}
    for n, t in enumerate(ordered):
        if len(top) >= limit and top[0][0] > bound(t):
            break
        if t.profile not in known:
            known[t.profile] = buckets_of(t.profile)
        parts = factors(t, scores.get(t.profile, 0.0), known[t.profile], rules)
        fresh = recency(t, rules, now)
        entry = Entry(
            touch=t,
            rank=sum(parts.values()) * fresh,
            factors=parts,
            recency=fresh,
            buckets=known[t.profile],
            expires_at=t.occurred_at + timedelta(hours=rules.expire_hours),
        )
        item = (entry.rank, t.occurred_at.timestamp(), -n, entry)
        if len(top) < limit:
            heapq.heappush(top, item)
        elif item[:3] > top[0][:3]:
            heapq.heapreplace(top, item)
    return [e for *_, e in sorted(top, key=lambda i: i[:3], reverse=True)]


def entry_json(entry: Entry, contact_id: str | None) -> dict[str, Any]:
    """An entry as the JSON endpoint and `socialscore engage --json` give it: ids, a link made
    from ids, numbers and keyword hits; never words or handles."""
    t = entry.touch
    return {
        "permalink": own_link(t),
        "act": t.own_post,
        "kind": t.kind.value,
        "network": t.network.value,
        "profile": t.profile,
        "contact_id": contact_id,
        "answers_post": t.post,
        "seller_id": t.seller_id,  # whose post it answers: who should answer it
        "team": t.team,
        "occurred_at": t.occurred_at.isoformat(),
        "expires_at": entry.expires_at.isoformat(),
        "rank": round(entry.rank, 2),
        "why": {k: round(v, 2) for k, v in entry.factors.items()}
        | {"recency": round(entry.recency, 4)},
        "buckets": list(entry.buckets),
        "intent_hits": list(t.intent_hits),
        "complaint_hits": list(t.complaint_hits),
    }


def queue_json(queue: Queue, model: ScoringModel, now: datetime) -> dict[str, Any]:
    return {
        "as_of": now.astimezone(UTC).isoformat(),
        "model_version": model.version,
        "waiting": queue.waiting,
        "entries": [entry_json(e, queue.contacts.get(e.touch.profile)) for e in queue.entries],
    }
