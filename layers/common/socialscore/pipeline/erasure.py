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
        again without it; nothing crm_sync keeps names them once its next run is done."""
        if request.contact_id is not None:
            whom = self.identities.identities_of(request.contact_id)
        else:
            whom = [request.identity] if request.identity else []
        owners = set(self.identities.contacts_of(whom).values()) if whom else set()
        erased = 0
        for identity in whom:
            erased += self.ledger.erase(identity)
            self.scores.forget(identity)
        # crm_sync clears the contact's CRM fields and deletes what its state keeps naming the
        # contact or these identities (tasks, cases, change marks).
        contacts = [request.contact_id] if request.contact_id is not None else []
        self.crm.mark_erased(contacts, profiles=whom)
        if request.contact_id is None and owners:
            self.crm.mark_changed(at, contacts=owners)
        self.identities.unlink(whom)
        return erased
