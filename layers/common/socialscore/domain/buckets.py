"""Buckets: the named segments of the scoring model (`buckets`), each a rule over a profile's
facts, so a new segment is a change of the model, not of the code.

A profile (a contact: over all its linked identities) has these facts as of a moment:

- `organic_score`, `paid_score`: its organic and paid score at that moment, decayed as the
  score is everywhere else (for a contact, the sum over its identities).
- `touches`: how many organic touches count for it (an unliked like, a deleted reply does not).
- `intent_touches`: how many of those hit at least one of the model's intent keywords (the
  actor's own words in a reply, quote or mention).
- `complaint_touches`: how many counted touches, organic or paid, hit at least one of the
  model's complaint phrases.
- `amplifications`: how many organic shares and quotes of a post by a registered seller or
  brand account.
- `followers`: the most followers the social data provider reported for one of its accounts
  (`Touch.actor_followers`, over its counted touches); unknown (the condition fails) when the
  provider gave none (only X's does, with the act's own post).

A counted fact (`touches`, `intent_touches`, `complaint_touches`, `amplifications`) counts the
touches that happened at or before the moment; with `within_days: N`, only those of the last N
days: after the moment minus N days, up to and including the moment. A rule holds when every
one of its conditions does (the fact is at least `at_least`); a profile is in every bucket whose
rule holds, and in the `otherwise` bucket when it is in no other but has a counted touch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialscore.domain.interaction import Category, Kind
from socialscore.domain.scoring_model import BucketRule, Condition, Fact, ScoringModel
from socialscore.domain.touch import Touch

AMPLIFYING = frozenset({Kind.SHARE, Kind.QUOTE})


@dataclass(frozen=True)
class Facts:
    """What the bucket rules can test about one profile as of a moment."""

    as_of: datetime
    organic_score: float
    paid_score: float
    followers: int | None  # None: the provider told no follower count
    scored: bool  # it has a counted touch, organic or paid: it belongs in some bucket
    # Per counted fact, when each of its touches happened, newest first; touches after as_of
    # are kept (a clock ahead of ours) so that stable_until knows when they start to count.
    times: Mapping[Fact, tuple[datetime, ...]]

    def count(self, fact: Fact, within_days: int | None = None) -> int:
        since = self.as_of - timedelta(days=within_days) if within_days is not None else None
        return sum(
            1 for t in self.times.get(fact, ()) if t <= self.as_of and (since is None or t > since)
        )

    def value(self, condition: Condition) -> float | None:
        """The fact the condition tests; None when it is not known (followers)."""
        if condition.fact == "organic_score":
            return self.organic_score
        if condition.fact == "paid_score":
            return self.paid_score
        if condition.fact == "followers":
            return None if self.followers is None else float(self.followers)
        return float(self.count(condition.fact, condition.within_days))


def facts(
    touches: Iterable[Touch],
    organic: float,
    paid: float,
    as_of: datetime,
    followers: int | None = None,
) -> Facts:
    """A profile's facts from its counted touches (the ledger's, every identity's for a contact)
    and its decayed scores at as_of. `followers`: the largest count the provider reported for
    its accounts; when not given, the largest `actor_followers` of those touches (None when
    none carries one)."""
    every = sorted(touches, key=lambda t: t.occurred_at, reverse=True)
    if followers is None:
        reported = [t.actor_followers for t in every if t.actor_followers is not None]
        followers = max(reported, default=None)
    organic_touches = [t for t in every if t.category is Category.ORGANIC]
    times: dict[Fact, tuple[datetime, ...]] = {
        "touches": tuple(t.occurred_at for t in organic_touches),
        "intent_touches": tuple(t.occurred_at for t in organic_touches if t.intent_hits),
        "complaint_touches": tuple(t.occurred_at for t in every if t.complaint_hits),
        "amplifications": tuple(
            t.occurred_at
            for t in organic_touches
            if t.kind in AMPLIFYING and t.seller_id is not None
        ),
    }
    return Facts(as_of, organic, paid, followers, bool(every), times)


def holds(condition: Condition, known: Facts) -> bool:
    value = known.value(condition)
    return value is not None and value >= condition.at_least


def matches(rule: BucketRule, known: Facts) -> bool:
    """A rule with conditions holds when all do; an `otherwise` rule is decided by buckets()."""
    return not rule.otherwise and all(holds(c, known) for c in rule.all)


def buckets(model: ScoringModel, known: Facts) -> list[str]:
    """The names of the profile's buckets, in the model's order."""
    matched = {r.name for r in model.buckets if matches(r, known)}
    return [
        r.name
        for r in model.buckets
        if r.name in matched or (r.otherwise and not matched and known.scored)
    ]


def stable_until(model: ScoringModel, known: Facts) -> datetime | None:
    """The first moment after as_of at which the profile's buckets may change with no new touch
    (a retraction is a change of touches too); None: not before its touches change.

    With time alone a fact can only fall: a score decays, a touch leaves a window. So only a
    condition that holds now can change, and it stops holding when the score decays below its
    `at_least` or when its count's ceil(at_least)-th newest touch in the window leaves the
    window; a touch dated after as_of starts to count at its own time. Whoever keeps a profile's
    buckets (crm_sync) computes them again from the ledger from this moment on."""
    moments: list[datetime] = []
    for rule in model.buckets:
        for c in rule.all:
            if not holds(c, known) or c.at_least <= 0:
                continue
            if c.fact in ("organic_score", "paid_score"):
                score = known.organic_score if c.fact == "organic_score" else known.paid_score
                seconds = model.half_life_seconds * math.log2(score / c.at_least)
                moments.append(known.as_of + timedelta(seconds=seconds))
            elif c.within_days is not None:
                since = known.as_of - timedelta(days=c.within_days)
                inside = [t for t in known.times[c.fact] if since < t <= known.as_of]
                leaving = inside[math.ceil(c.at_least) - 1]
                moments.append(leaving + timedelta(days=c.within_days))
    for fact in {c.fact for r in model.buckets for c in r.all}:
        moments += [t for t in known.times.get(fact, ()) if t > known.as_of][-1:]
    return min(moments, default=None)
