"""An opportunity's attribution as crm_sync worked it out for the CRM: under every configured
model, the amounts by seller, post and network, the window's touch count and the primary model.
crm_sync keeps it with the opportunity, so a reader shows the same numbers without reading the
journey again. `rules` says which attribution rules they were worked out under (the scoring
model's `attribution` section, all the splits depend on besides the journey): a model published
with other weights, keywords or buckets but the same rules leaves them current."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from socialscore.domain import attribution
from socialscore.domain.attribution import splits
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.scoring_model import ModelName, ScoringModel
from socialscore.domain.touch import Touch

DIMENSIONS = ("seller", "post", "network")


class Attributed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model_version: str
    rules: str = ""  # rules_of(the model): splits of a release before say none
    primary: str
    touches: int  # in the attribution window
    # model -> "seller" | "post" | "network" -> who -> amount
    by_model: dict[str, dict[str, dict[str, Decimal]]]


def rules_of(model: ScoringModel) -> str:
    """A digest of the model's attribution rules (its `attribution` section, with the primary).
    Its defaults are in it: a release that adds a field to that section changes every digest, and
    its upgrade note says to run `socialscore rebuild`."""
    return hashlib.sha256(model.attribution.model_dump_json().encode()).hexdigest()[:16]


def attributed(
    opp: Opportunity, journey: list[Touch], model: ScoringModel, identified_at: datetime | None
) -> Attributed:
    """The opportunity's journey split under every configured model (attribution.splits, what
    crm_sync pushes), by seller, post and network."""
    return of_splits(*splits(opp, journey, model, identified_at), model)


def of_splits(
    window: list[Touch], by_model: Mapping[ModelName, list[Decimal]], model: ScoringModel
) -> Attributed:
    """The window's touches' shares under each model (attribution.splits), by dimension."""
    shown: dict[str, dict[str, dict[str, Decimal]]] = {}
    for name, shares in by_model.items():
        parts = attribution.influence(window, shares)
        shown[name] = {dim: parts[f"by_{dim}"] for dim in DIMENSIONS}
    return Attributed(
        model_version=model.version,
        rules=rules_of(model),
        primary=model.attribution.primary,
        touches=len(window),
        by_model=shown,
    )


class Recorded(BaseModel):
    """An opportunity as crm_sync keeps it: with its splits, None when it has none stored (kept
    by a release before, or too large to keep)."""

    model_config = ConfigDict(frozen=True)

    opportunity: Opportunity
    attributed: Attributed | None = None

    def current(self, model: ScoringModel) -> Attributed | None:
        """Its splits when worked out under this model's attribution rules, else None."""
        a = self.attributed
        return a if a is not None and a.rules == rules_of(model) else None
