"""Erasure (consent withdrawn): a person's touches leave every aggregate, then their ledger
entries, scores and identity links are deleted. Idempotent: run again, it changes nothing.

Identity links go last, so a run that fails half-way is finished by its retry, which still
finds the person's identities through them.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialscore.domain.interaction import Erase
from socialscore.pipeline.ports import IdentityLinks, ScoreStore, TouchLedger


@dataclass
class Eraser:
    identities: IdentityLinks
    ledger: TouchLedger
    scores: ScoreStore

    def erase(self, request: Erase) -> int:
        """Returns how many ledger entries went."""
        if request.contact_id is not None:
            whom = self.identities.identities_of(request.contact_id)
        else:
            whom = [request.identity] if request.identity else []
        erased = 0
        for identity in whom:
            erased += self.ledger.erase(identity)
            self.scores.forget(identity)
        self.identities.unlink(whom)
        return erased
