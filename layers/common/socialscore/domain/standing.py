"""A profile's standing as of a moment: its organic and paid scores, since when it is a hot lead,
and (from its counted touches) the scoring model's buckets it is in. Every reader (the score
stage's hot-lead check, crm_sync, engage now, the report, `socialscore profile` and `contacts`)
gets it here, so the half-life is applied in one place and a contact's standing is the same
wherever it is shown.

A contact's standing is over all its linked identities: their units summed per category, then
decayed to the moment (units are stored already grown to the epoch: domain.decay), and the
earliest of their hot-lead flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from socialscore.domain.buckets import Facts, buckets, facts
from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch


@dataclass(frozen=True)
class ProfileItem:
    """What the scores table holds of one profile in one category."""

    units: Decimal  # decayed units, grown to the epoch (domain.decay.units)
    touches: int  # how many touches count
    hot_since: str | None = None  # ISO time the score stage flagged it hot, once
    # seller id -> the organic touches that seller's posts earned it (routing's tally, organic
    # items only: domain.aggregates.TALLY)
    sellers: Mapping[str, int] = field(default_factory=dict)


ProfileItems = Mapping[tuple[str, Category], ProfileItem]


@dataclass(frozen=True)
class Standing:
    """Scores decayed to `as_of`, not rounded (the bucket rules test these)."""

    as_of: datetime
    organic: float
    paid: float
    hot_since: str | None

    def facts(self, touches: list[Touch]) -> Facts:
        """What the bucket rules test, from the profile's counted touches (all its identities')."""
        return facts(touches, self.organic, self.paid, self.as_of)

    def buckets(self, model: ScoringModel, touches: list[Touch]) -> tuple[str, ...]:
        """The model's buckets the profile is in, in the model's order."""
        return tuple(buckets(model, self.facts(touches)))


def standing(
    items: ProfileItems, identities: Iterable[str], as_of: datetime, model: ScoringModel
) -> Standing:
    """The standing of the profile made of these identities (one, or a contact's), from their
    stored items; an identity with no item adds nothing."""
    totals = {c: Decimal(0) for c in Category}
    hot: list[str] = []
    for identity in set(identities):
        for category in Category:
            if (item := items.get((identity, category))) is not None:
                totals[category] += item.units
                if item.hot_since is not None:
                    hot.append(item.hot_since)
    return Standing(
        as_of,
        score_at(totals[Category.ORGANIC], as_of, model.half_life_seconds),
        score_at(totals[Category.PAID], as_of, model.half_life_seconds),
        min(hot, default=None),
    )
