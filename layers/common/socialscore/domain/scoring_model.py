"""The scoring model: versioned weights, half-life, intent and thresholds, edited by marketing ops.

The bundled `scoring_model.json` is the default. A deployment may name an SSM parameter
(SCORING_MODEL_PARAMETER, read by aws.config) holding a replacement; it is validated on load and
an invalid model is refused with the field at fault, so a typo never silently changes scores.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from socialscore.domain.engage_rules import Engage
from socialscore.domain.interaction import Category, Kind, Network

Weight = Annotated[float, Field(ge=0, le=1000)]


class InvalidScoringModel(ValueError):
    """The scoring model does not validate; the message names every field at fault."""


class CategoryWeights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: dict[Kind, Weight]
    network_multipliers: dict[Network, Annotated[float, Field(ge=0, le=10)]] = Field(
        default_factory=dict
    )

    @field_validator("weights")
    @classmethod
    def _every_kind(cls, weights: dict[Kind, float]) -> dict[Kind, float]:
        missing = sorted(k.value for k in Kind if k not in weights)
        if missing:
            raise ValueError(f"no weight for kinds: {', '.join(missing)}")
        return weights


Phrase = Annotated[str, Field(min_length=2, max_length=80)]


def _pattern(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    # Longest first so a phrase wins over a word inside it; word boundaries on both sides.
    words = sorted({k.strip().lower() for k in phrases}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


def _found(pattern: re.Pattern[str] | None, text: str) -> list[str]:
    """The phrases found in text; the text itself is never kept."""
    return sorted({m.lower() for m in pattern.findall(text)}) if pattern else []


class Intent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: Annotated[list[Phrase], Field(max_length=200)]
    bonus: Weight = 0

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return _pattern(self.keywords)

    def hits(self, text: str) -> list[str]:
        """Keywords found in text; the text itself is never kept."""
        return _found(self.pattern, text)


class Complaints(BaseModel):
    """Phrases that make a reply, quote or mention a complaint, matched as intent keywords are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phrases: Annotated[list[Phrase], Field(max_length=200)] = []

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return _pattern(self.phrases)

    def hits(self, text: str) -> list[str]:
        return _found(self.pattern, text)


# What a bucket rule can test about a profile (see domain.buckets for each fact's meaning).
Fact = Literal[
    "organic_score",
    "paid_score",
    "touches",
    "intent_touches",
    "complaint_touches",
    "amplifications",
    "followers",
]
# Facts that count touches, which a rule may bound to the last `within_days`.
COUNTED_FACTS = frozenset({"touches", "intent_touches", "complaint_touches", "amplifications"})


class Condition(BaseModel):
    """`fact` is at least `at_least` (counted over the last `within_days` days when given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fact: Fact
    at_least: Annotated[float, Field(ge=0)]
    within_days: Annotated[int, Field(ge=1, le=3650)] | None = None

    @model_validator(mode="after")
    def _window_on_counts_only(self) -> Condition:
        if self.within_days is not None and self.fact not in COUNTED_FACTS:
            raise ValueError(f"within_days applies to counted facts only, not {self.fact}")
        return self


class BucketRule(BaseModel):
    """A named segment: a profile is in it when every condition holds; an `otherwise` bucket
    holds the scored profiles that are in no other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Annotated[str, Field(min_length=1, max_length=60)]
    all: list[Condition] = []
    otherwise: bool = False

    @model_validator(mode="after")
    def _conditions_or_otherwise(self) -> BucketRule:
        if self.otherwise == bool(self.all):
            raise ValueError("give either conditions (`all`) or `otherwise: true`, not both")
        return self


# The rule-based attribution models by name; attribution.MODELS implements exactly these.
ModelName = Literal[
    "first_touch", "last_touch", "linear", "time_decay", "position_based", "w_shaped"
]
Share = Annotated[float, Field(ge=0, le=1)]


def _total(*shares: float) -> Decimal:
    # In decimal, as written: in floats 0.1 + 0.2 + 0.7 is 1.0000000000000002, which is not > 1.
    return sum((Decimal(str(s)) for s in shares), Decimal(0))


class PositionShares(BaseModel):
    """U-shaped: the first and last touches' shares; the rest is spread over the middle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: Share = 0.4
    last: Share = 0.4

    @model_validator(mode="after")
    def _at_most_whole(self) -> PositionShares:
        if _total(self.first, self.last) > 1:
            raise ValueError("first + last must be at most 1")
        return self


class WShares(BaseModel):
    """W-shaped: the first, identification and last touches' shares; the rest goes to the others."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: Share = 0.3
    identified: Share = 0.3
    last: Share = 0.3

    @model_validator(mode="after")
    def _at_most_whole(self) -> WShares:
        if _total(self.first, self.identified, self.last) > 1:
            raise ValueError("first + identified + last must be at most 1")
        return self


class Attribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models: Annotated[list[ModelName], Field(min_length=1)] = ["linear"]
    primary: ModelName = "linear"
    lookback_days: Annotated[int, Field(ge=1, le=730)] = 90
    time_decay_half_life_days: Annotated[float, Field(ge=0.1, le=3650)] = 7
    position_based: PositionShares = PositionShares()
    w_shaped: WShares = WShares()

    @model_validator(mode="before")
    @classmethod
    def _old_spelling_and_primary_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        # Models written before several models existed say {"model": "linear"}: the same as
        # computing that one model and heading the opportunity with it.
        if "model" in data:
            if "models" in data or "primary" in data:
                raise ValueError(
                    "`model` is the old spelling of `models` + `primary`: give only those"
                )
            old = data.pop("model")
            data["models"], data["primary"] = [old], old
        # Naming the models without a primary heads with the first named, so a list without
        # "linear" is not refused for a primary the author never wrote.
        if "primary" not in data and isinstance(data.get("models"), list) and data["models"]:
            data["primary"] = data["models"][0]
        return data

    @field_validator("models")
    @classmethod
    def _unique(cls, models: list[ModelName]) -> list[ModelName]:
        repeated = sorted({m for m in models if models.count(m) > 1})
        if repeated:
            raise ValueError(f"named more than once: {', '.join(repeated)}")
        return models

    @model_validator(mode="after")
    def _primary_is_computed(self) -> Attribution:
        if self.primary not in self.models:
            raise ValueError(f"primary {self.primary!r} must be one of models {self.models}")
        return self


class ScoringModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[str, Field(min_length=1, max_length=64)]
    # Below a week, scores would outgrow DynamoDB's numbers within a year of T0 (decay.EPOCH).
    half_life_days: Annotated[float, Field(ge=7, le=3650)]
    categories: dict[Category, CategoryWeights]
    once_per_post: list[Kind] = Field(default_factory=list)
    intent: Intent = Intent(keywords=[])
    complaints: Complaints = Complaints()
    hot_lead_threshold: Annotated[float, Field(gt=0)]
    attribution: Attribution = Attribution()
    buckets: Annotated[list[BucketRule], Field(max_length=20)] = []
    engage: Engage = Engage()

    @model_validator(mode="after")
    def _engage_names_buckets(self) -> ScoringModel:
        unknown = sorted(set(self.engage.weights.buckets) - {b.name for b in self.buckets})
        if unknown:
            raise ValueError(f"engage.weights.buckets names no bucket: {', '.join(unknown)}")
        return self

    @field_validator("buckets")
    @classmethod
    def _buckets_distinct(cls, buckets: list[BucketRule]) -> list[BucketRule]:
        names = [b.name for b in buckets]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"bucket names used more than once: {', '.join(repeated)}")
        if sum(b.otherwise for b in buckets) > 1:
            raise ValueError("at most one bucket may be `otherwise`")
        return buckets

    @field_validator("categories")
    @classmethod
    def _both_categories(
        cls, categories: dict[Category, CategoryWeights]
    ) -> dict[Category, CategoryWeights]:
        missing = sorted(c.value for c in Category if c not in categories)
        if missing:
            raise ValueError(f"no weights for categories: {', '.join(missing)}")
        return categories

    @property
    def half_life_seconds(self) -> float:
        return self.half_life_days * 86400

    def weight(self, category: Category, kind: Kind, network: Network, intent_hits: int) -> float:
        table = self.categories[category]
        base = table.weights[kind] * table.network_multipliers.get(network, 1.0)
        # Intent is a buyer's words in organic conversation; paid clicks carry none.
        bonus = self.intent.bonus if intent_hits and category is Category.ORGANIC else 0.0
        return base + bonus


def parse(raw: str | bytes) -> ScoringModel:
    try:
        return ScoringModel.model_validate_json(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'model'}: {e['msg']}" for e in err.errors()
        )
        raise InvalidScoringModel(f"invalid scoring model: {problems}") from None


@cache
def bundled() -> ScoringModel:
    return parse(resources.files("socialscore.domain").joinpath("scoring_model.json").read_bytes())
