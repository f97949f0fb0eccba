"""The spread of organic scores over every profile (the report's score distribution and its
profile counts) from one streamed read of the scores table's `by_units` index (keys and units:
all it projects) and the contact grouping, holding a float per profile, never a touch.

A profile is a contact over all its linked identities, or an anonymous identity, with any item
(organic or paid) in the scores table, as the report has always counted them: the index holds
the organic and the paid items apart (`organic#<n>`, `paid#<n>`), so the paid ones read first
name the anonymous profiles with a paid score (held by id until the organic read shows which
have an organic one too: the memory this read holds besides the floats), and a contact's units
are summed over its identities. A flag-only item (a hot-lead flag written as its profile was
erased) holds no units, so no index entry: the hot leads read before name those."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

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
