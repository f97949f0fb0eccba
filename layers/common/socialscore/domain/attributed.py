"""An opportunity's attribution as crm_sync worked it out for the CRM: under every configured
model, the amounts by seller, post and network, the window's touch count and the primary model.
crm_sync keeps it with the opportunity, so a reader shows the same numbers without reading the
journey again; the model's version says which model it was worked out under."""

from __future__ import annotations

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
    primary: str
    touches: int  # in the attribution window
    # model -> "seller" | "post" | "network" -> who -> amount
    by_model: dict[str, dict[str, dict[str, Decimal]]]


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
        primary=model.attribution.primary,
        touches=len(window),
        by_model=shown,
    )


class Recorded(BaseModel):
    """An opportunity as crm_sync keeps it: with its splits, None when it has none stored (kept
    by a release before, or attributed under another model since)."""

    model_config = ConfigDict(frozen=True)

    opportunity: Opportunity
    attributed: Attributed | None = None

    def current(self, model: ScoringModel) -> Attributed | None:
        """Its splits when worked out under this model (its version and primary), else None."""
        a = self.attributed
        if a is None or a.model_version != model.version:
            return None
        return a if a.primary == model.attribution.primary else None
