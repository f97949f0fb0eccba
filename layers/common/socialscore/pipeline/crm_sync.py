"""crm_sync: attribute organic touches to changed opportunities and push what changed to the CRM.

A re-run pushes nothing new: each record's digest is kept after a successful push, and only
records whose content differs are pushed again. The checkpoint moves after the push.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from socialscore.crm.base import Crm, Push
from socialscore.domain import attribution
from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category
from socialscore.domain.opportunity import ContactScore, Opportunity, OpportunityInfluence
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.ports import IdentityLinks, ScoreStore, SyncStateStore, TouchLedger


@dataclass(frozen=True)
class SyncReport:
    opportunities: int  # changed in the CRM since the checkpoint
    attributed: int  # every known opportunity, re-attributed
    pushed_scores: int
    pushed_influences: int
    checkpoint: datetime | None


@dataclass
class CrmSync:
    crm: Crm
    identities: IdentityLinks
    ledger: TouchLedger
    scores: ScoreStore
    state: SyncStateStore
    model: ScoringModel

    def run(self, as_of: datetime) -> SyncReport:
        since = self.state.checkpoint(self.crm.name)
        opportunities = self.crm.changed_opportunities(since)
        known = {o.id: o for o in self.state.opportunities()} | {o.id: o for o in opportunities}
        contacts = self.identities.all_contacts()
        records: dict[str, BaseModel] = {}
        for score in self.contact_scores(contacts, as_of):
            records[f"contact#{score.contact_id}"] = score
        for opp in known.values():
            records[f"opportunity#{opp.id}"] = self.influence(opp, contacts)
        digests = {key: _digest(record) for key, record in records.items()}
        pushed = self.state.digests(list(digests))
        fresh = [key for key, digest in digests.items() if pushed.get(key) != digest]
        scores = [r for k in fresh if isinstance(r := records[k], ContactScore)]
        influences = [r for k in fresh if isinstance(r := records[k], OpportunityInfluence)]
        if scores or influences:
            self.crm.push(Push(scores=scores, influences=influences))
        checkpoint = max((o.modified_at for o in opportunities), default=since)
        self.state.save(self.crm.name, {k: digests[k] for k in fresh}, opportunities, checkpoint)
        return SyncReport(len(opportunities), len(known), len(scores), len(influences), checkpoint)

    def contact_scores(self, contacts: dict[str, list[str]], as_of: datetime) -> list[ContactScore]:
        every_identity = [i for ids in contacts.values() for i in ids]
        units = self.scores.profile_units(every_identity) if every_identity else {}
        out = []
        for contact, identities in sorted(contacts.items()):
            by_category = {
                c: sum(
                    (units.get((i, c), {}).get("units", Decimal(0)) for i in identities), Decimal(0)
                )
                for c in Category
            }
            out.append(
                ContactScore(
                    contact_id=contact,
                    organic_score=round(
                        score_at(
                            by_category[Category.ORGANIC], as_of, self.model.half_life_seconds
                        ),
                        2,
                    ),
                    paid_score=round(
                        score_at(by_category[Category.PAID], as_of, self.model.half_life_seconds), 2
                    ),
                    model_version=self.model.version,
                )
            )
        return out

    def influence(self, opp: Opportunity, contacts: dict[str, list[str]]) -> OpportunityInfluence:
        config = self.model.attribution
        touches = [
            t
            for contact in opp.contact_ids
            for identity in contacts.get(contact, [])
            for t in self.ledger.touches_of(identity)
        ]
        window = attribution.in_window(touches, opp.created_at, config.lookback_days)
        shares = attribution.split(opp.amount, window, attribution.MODELS[config.model])
        return OpportunityInfluence(
            opportunity_id=opp.id,
            currency=opp.currency,
            attributed_amount=sum(shares, Decimal("0.00")),
            attribution_model=config.model,
            touches=len(window),
            **attribution.influence(window, shares),
        )


def _digest(record: BaseModel) -> str:
    canonical = json.dumps(record.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
