"""Erasure (consent withdrawn): a person's touches leave every aggregate, then their ledger
entries, scores and identity links are deleted. Idempotent: run again, it changes nothing.

Identity links go last, so a run that fails half-way is finished by its retry, which still
finds the person's identities through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from socialscore.domain.interaction import Erase
from socialscore.pipeline.ports import CrmPending, IdentityLinks, ScoreStore, TouchLedger


@dataclass
class Eraser:
    identities: IdentityLinks
    ledger: TouchLedger
    scores: ScoreStore
    crm: CrmPending

    def erase(self, request: Erase, at: datetime) -> int:
        """Returns how many ledger entries went. The CRM learns it through crm_sync: an erased
        contact's social fields are cleared there; a contact that lost one identity is scored
        again without it."""
        if request.contact_id is not None:
            whom = self.identities.identities_of(request.contact_id)
        else:
            whom = [request.identity] if request.identity else []
        owners = set(self.identities.contacts_of(whom).values()) if whom else set()
        erased = 0
        for identity in whom:
            erased += self.ledger.erase(identity)
            self.scores.forget(identity)
        if request.contact_id is not None:
            self.crm.mark_erased([request.contact_id])
        elif owners:
            self.crm.mark_changed(at, contacts=owners)
        self.identities.unlink(whom)
        return erased
