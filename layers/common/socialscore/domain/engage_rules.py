"""The engage-now queue's part of the scoring model (`engage`): which acts it holds, how long,
and the weight of each reason to answer one (domain.engage ranks with them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from socialscore.domain.interaction import Kind

# Acts that are posts of their own, written to the brand or a seller: they can be answered.
ANSWERABLE = frozenset({Kind.COMMENT, Kind.QUOTE, Kind.MENTION})
Weight = Annotated[float, Field(ge=0, le=1_000_000)]


class EngageWeights(BaseModel):
    """What each reason adds to an act's rank, before recency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    score: Weight = 1.0  # per point of the actor's organic score now
    intent: Weight = 10.0  # per intent keyword the act's own words hit
    complaint: Weight = 20.0  # when the act is a complaint
    reach: Weight = 5.0  # per tenfold of the actor's followers: log10(1 + followers)
    buckets: dict[str, Weight] = {}  # per bucket the actor is in, by bucket name


class Engage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: Annotated[list[Kind], Field(min_length=1)] = sorted(ANSWERABLE)
    expire_hours: Annotated[float, Field(gt=0, le=720)] = 48
    half_life_hours: Annotated[float, Field(gt=0, le=720)] = 12
    weights: EngageWeights = EngageWeights()

    @field_validator("kinds")
    @classmethod
    def _answerable(cls, kinds: list[Kind]) -> list[Kind]:
        other = sorted({k.value for k in kinds} - {k.value for k in ANSWERABLE})
        if other:
            raise ValueError(f"only replies, quotes and mentions can be answered, not {other}")
        return kinds
