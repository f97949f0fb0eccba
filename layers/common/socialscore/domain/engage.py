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
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialscore.domain.engage_rules import ANSWERABLE, Engage
from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch


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
