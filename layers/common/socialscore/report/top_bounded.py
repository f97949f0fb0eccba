"""The top N profiles from the identities' ranking alone: `socialscore top` before `socialscore
rebuild` has built the contacts' ranking (report.top_contacts reads it once it has), and the
report's snapshot. A contact's score is its identities' summed, so a contact can belong in the
top N while none of its identities does: the identities are read until the N-th best profile
scores more than any profile not yet seen can (a contact has at most as many identities as the
most linked contact, each no higher than the last identity read), and a contact met is read
whole only when it may still reach the N-th best (store.identity_counts: the bound on a
contact's identities)."""

from __future__ import annotations

import heapq
from datetime import datetime
from decimal import Decimal

from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import ScoringModel
from socialscore.report.leads import Groups, RankedScores, profile_rows, ranked_identities
from socialscore.report.rows import ScoreRow


def top(
    scores: RankedScores,
    grouping: Groups,
    model: ScoringModel,
    as_of: datetime,
    n: int,
) -> list[ScoreRow]:
    """The n profiles with the best organic score now, best first as the report orders every
    profile (organic, then paid, then id); only profiles with an organic score (one with paid
    touches alone scores 0 and is never among them).

    The ranking (identities) is read until the n-th best profile met (each at its first
    identity's units: a lower bound) beats any not met; then a contact met is read whole only
    when its units met plus the last units read for each identity it may have that was not met
    (at most the most any contact has; then at most its own bound) reach that n-th best, and
    its identities met are not all it has."""
    if n < 1:
        return []

    def at(units: Decimal) -> float:
        return score_at(units, as_of, model.half_life_seconds)

    met: dict[str, list[Decimal]] = {}  # who -> the units of its identities met
    leaders: list[Decimal] = []  # the n best lower bounds, a heap: the n-th best first
    last = Decimal(0)  # the units of the last identity read: none not read has more
    for units, who in ranked_identities(scores, grouping, n):
        last = max(units, Decimal(0))
        if who not in met:
            heapq.heappush(leaders, units)
            if len(leaders) > n:
                heapq.heappop(leaders)
        met.setdefault(who, []).append(units)
        # a profile not met yet has at most `most` identities, each with at most `units`
        if len(leaders) == n and at(leaders[0]) > at(last * grouping.most):
            break
    else:
        last = Decimal(0)  # the whole ranking read: nothing else has organic units
    if not leaders:
        return []
    floor = at(leaders[0]) if len(leaders) == n else float("-inf")

    def left(who: str, most: int) -> int | None:
        """How many identities `who` may have that were not met, None when even these cannot
        take it to the n-th best."""
        mine = met[who]
        n_left = max(most - len(mine), 0)
        return n_left if at(sum(mine, Decimal(0)) + n_left * last) >= floor else None

    exact = {w: sum(u, Decimal(0)) for w, u in met.items() if not grouping.is_contact(w)}
    maybe = [w for w in met if w not in exact and left(w, grouping.most) is not None]
    grouping.prefetch_bounds(maybe)  # only the contacts the most any has could take that far
    open_ = []
    for who in maybe:
        if (n_left := left(who, grouping.bound(who))) == 0:
            exact[who] = sum(met[who], Decimal(0))
        elif n_left is not None:
            open_.append(who)
    grouping.prefetch_contacts(open_)
    exact |= _organic(scores, {w: grouping.identities(w) for w in open_})
    while exact:
        best = heapq.nlargest(n, exact.values())
        ties = {w for w, units in exact.items() if at(units) >= at(best[-1])}  # paid, id: below
        rows = profile_rows(scores, grouping, ties, model, as_of, hot_only=False)
        if len(rows) == len(ties):
            return rows[:n]
        # erased after the index was read (its item gone, its by_units entry not yet): never
        # listed; the next best take its place
        for gone in ties - {r.who for r in rows}:
            del exact[gone]
    return []


def _organic(scores: RankedScores, contacts: dict[str, list[str]]) -> dict[str, Decimal]:
    """Each contact's organic units, its identities' summed: one batched read for all."""
    everyone = sorted({i for ids in contacts.values() for i in ids})
    held = scores.profile_units(everyone) if everyone else {}
    return {
        who: sum((item.units for i in ids if (item := held.get((i, Category.ORGANIC)))), Decimal(0))
        for who, ids in contacts.items()
    }
