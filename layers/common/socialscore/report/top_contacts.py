"""The top N profiles from two rankings, read only down to the N-th best: the contacts' (each
contact item holds its linked identities' organic units summed, kept as touches land and links
move: store.contact_totals) and the identities' (report.leads), both from the scores table's
`by_units` index, most units first.

A profile's organic score is exact at the entry that ranks it: an anonymous identity's units, a
contact item's units; a linked identity met in the identities' ranking is skipped (its contact's
item counts it; the links of a page are read together). So once the N-th best profile met scores
more than the next entry of both rankings, no profile not met can reach it: the reads stop there
(a page or two of each ranking for any number of profiles), where report.top_bounded.top, which must
bound a contact by its identities, reads on until the N-th best beats the most identities a
contact has times the last identity read.

Until `socialscore rebuild` has made the contacts' ranking whole (its marker: a stack upgraded
from a release without it has contacts with no item yet), `best` reads as report.top_bounded.top."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from socialscore.domain.decay import score_at
from socialscore.domain.scoring_model import ScoringModel
from socialscore.report import leads, top_bounded
from socialscore.report.rows import ScoreRow


class ContactRanking(leads.RankedScores, Protocol):
    """The scores table's reads (store.scores.Scores, memory.scores.MemoryScoreStore)."""

    def ranked_contacts(self, page: int = 1000) -> Iterator[tuple[str, Decimal]]: ...

    def contact_ranking_ready(self) -> bool: ...


@dataclass(frozen=True)
class Top:
    rows: list[ScoreRow]
    from_contacts: bool  # read from the contacts' ranking; False: as before it (not ready)


def best(
    scores: ContactRanking, grouping: leads.Groups, model: ScoringModel, as_of: datetime, n: int
) -> Top:
    """The n best profiles (top), or report.top_bounded.top's while the ranking is not ready."""
    if scores.contact_ranking_ready():
        return Top(top(scores, grouping, model, as_of, n), True)
    return Top(top_bounded.top(scores, grouping, model, as_of, n), False)


class _Head:
    """A ranking's entries, (units, who), with the next one in sight (None: read to its end)."""

    def __init__(self, entries: Iterator[tuple[Decimal, str]]) -> None:
        self._entries = entries
        self.next = next(entries, None)

    def take(self) -> tuple[Decimal, str]:
        taken = self.next
        assert taken is not None  # only a head in sight is taken
        self.next = next(self._entries, None)
        return taken


def top(
    scores: ContactRanking, grouping: leads.Groups, model: ScoringModel, as_of: datetime, n: int
) -> list[ScoreRow]:
    """The n profiles with the best organic score now, ordered as the report orders every
    profile (organic, then paid, then id): the same rows as report.top_bounded.top."""
    if n < 1:
        return []

    def at(units: Decimal) -> float:
        return score_at(units, as_of, model.half_life_seconds)

    size = max(n, 100)  # as report.leads reads the identities' ranking: a page of links a call
    anonymous = _Head(
        (units, who)
        for units, who in leads.ranked_identities(scores, grouping, n)
        if not grouping.is_contact(who)  # linked: its contact's item holds its units
    )
    contacts = _Head((units, c) for c, units in scores.ranked_contacts(page=size))
    met: dict[str, Decimal] = {}  # who -> its organic units, exact
    named: set[str] = set()  # the contacts met in their ranking
    leaders: list[Decimal] = []  # the n best units met, a heap: the n-th best first
    while True:
        while (next_ := _higher(anonymous, contacts)) is not None:
            head, most = next_
            if len(leaders) == n and at(leaders[0]) > at(most):
                break  # the n-th best beats the next entry of both rankings
            units, who = head.take()
            if head is contacts:
                named.add(who)
            met[who] = units
            heapq.heappush(leaders, units)
            if len(leaders) > n:
                heapq.heappop(leaders)
        if not leaders:
            return []
        floor = at(leaders[0]) if len(leaders) == n else float("-inf")
        ties = {who for who, units in met.items() if at(units) >= floor}  # paid, id: below
        grouping.are_contacts(named & ties)
        rows = leads.profile_rows(scores, grouping, ties, model, as_of, hot_only=False)
        if len(rows) == len(ties):
            return rows[:n]
        # erased after the index was read (its item gone, its by_units entry not yet): never
        # listed; the rankings are read on for the next best
        for gone in ties - {r.who for r in rows}:
            del met[gone]
        leaders = heapq.nlargest(n, met.values())
        heapq.heapify(leaders)


def _higher(*heads: _Head) -> tuple[_Head, Decimal] | None:
    """The ranking whose next entry has the most units, and those units (None: every ranking
    read to its end)."""
    ahead = [(h.next[0], i, h) for i, h in enumerate(heads) if h.next is not None]
    if not ahead:
        return None
    units, _, head = max(ahead)
    return head, units
