"""The spread of organic scores over every profile (the report's score distribution and its
profile counts) from one streamed read of the scores table's `by_units` index (keys and units:
all it projects) and the contact grouping, holding a float per profile, never a touch.

A profile is a contact over all its linked identities, or an anonymous identity, with any item
(organic or paid) in the scores table, as the report has always counted them: the index holds
the organic and the paid items apart (`organic#<n>`, `paid#<n>`), so the paid ones read first
name the anonymous profiles with a paid score (held by id until the organic read shows which
have an organic one too: the memory this read holds besides the floats), and a contact's units
are summed over its identities. A flag-only item (a hot-lead flag written as its profile was
erased) holds no units, so no index entry: the hot leads read before name those.

When crm_sync's bucket tally keeps the score bins (domain.score_bins) the report shows them
instead (`Binned`: two items and the ranking's best profile read, whatever the profiles'
number); report.freshness.counted_spread decides which."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from socialscore.domain import score_bins
from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import ScoringModel
from socialscore.report.leads import Grouping, RankedScores
from socialscore.report.rows import ScoreRow

PAGE = 1000  # a Query's page of the index (keys and units: about 60 bytes an item)


@dataclass(frozen=True)
class Spread:
    organic: Sequence[float]  # every profile's organic score now (0 at least), lowest first
    contacts: int  # how many of the profiles are contacts

    @property
    def profiles(self) -> int:
        return len(self.organic)

    @classmethod
    def of(cls, rows: Iterable[ScoreRow]) -> Spread:
        """Of profiles' rows (Snapshot.scores, a test's)."""
        every = list(rows)
        organic = array("d", sorted(max(r.organic, 0.0) for r in every))
        return cls(organic, sum(1 for r in every if r.contact))


def spread(
    scores: RankedScores,
    grouping: Grouping,
    hot: Iterable[str],
    model: ScoringModel,
    as_of: datetime,
) -> Spread:
    """`hot`: the identities flagged hot (Scores.hot)."""
    contacts: dict[str, Decimal] = {}  # contact -> its organic units, summed
    unseen: set[str] = set()  # anonymous identities met but not yet in the organic read
    for identity in hot:
        who = grouping.who(identity)
        if who in grouping.contacts:
            contacts.setdefault(who, Decimal(0))
        else:
            unseen.add(identity)
    for identity, _ in scores.ranked(Category.PAID, PAGE):
        who = grouping.who(identity)
        if who in grouping.contacts:
            contacts.setdefault(who, Decimal(0))
        else:
            unseen.add(identity)
    floats = array("d")
    for identity, units in scores.ranked(Category.ORGANIC, PAGE):
        who = grouping.who(identity)
        if who in grouping.contacts:
            contacts[who] = contacts.get(who, Decimal(0)) + units
        else:
            unseen.discard(identity)
            floats.append(_now(units, as_of, model))
    floats.extend(_now(units, as_of, model) for units in contacts.values())
    floats.extend(0.0 for _ in unseen)  # a paid score (or a flag) alone: 0 organic
    return Spread(array("d", sorted(floats)), len(contacts))


def _now(units: Decimal, as_of: datetime, model: ScoringModel) -> float:
    return max(score_at(units, as_of, model.half_life_seconds), 0.0)


@dataclass(frozen=True)
class Binned:
    """The spread as crm_sync's bucket tally keeps it: per score bin (domain.score_bins),
    profiles and contacts; the highest score exact (the ranking's best profile, report.leads)."""

    bins: Mapping[int, tuple[int, int]]  # bin -> (profiles, contacts)
    threshold: float  # the model's hot-lead threshold: the bins' edges
    highest: float
    note: str  # where the counts come from (report.freshness.counted)

    @property
    def profiles(self) -> int:
        return sum(p for p, _ in self.bins.values())

    @property
    def contacts(self) -> int:
        return sum(c for _, c in self.bins.values())

    def at(self, rank: int) -> int:
        """The bin of the profile at this rank, lowest score first (0: the lowest)."""
        seen = 0
        for n in sorted(self.bins):
            seen += self.bins[n][0]
            if rank < seen:
                return n
        return max(self.bins, default=0)

    def over(self) -> int:
        """Profiles at or over the hot-lead threshold (an edge: exact)."""
        return sum(p for n, (p, _) in self.bins.items() if n >= score_bins.AT_THRESHOLD)


def binned(
    counts: Mapping[str, tuple[int, int]], threshold: float, best: Sequence[ScoreRow], note: str
) -> Binned:
    """Of the tally's counts (store.bucket_tally's built_counts) and the best profile's row."""
    highest = max((r.organic for r in best), default=0.0)
    return Binned(score_bins.counted(counts), threshold, max(highest, 0.0), note)
