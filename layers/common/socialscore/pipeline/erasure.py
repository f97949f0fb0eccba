"""Erasure (consent withdrawn): a person's touches leave every aggregate, then their ledger
entries, scores and identity links are deleted. Idempotent: run again, it changes nothing.

Identity links go last, so a run that fails half-way is finished by its retry, which still
finds the person's identities through them.

The contact or identity erased is barred first, with the erasure's time: a link dated before it
that arrives later (the identify event travels another queue, and may be taken after the
erasure) is refused (resolution.relink). A contact's identities are read from an eventually
consistent index, which may not show a link made a moment before: an erasure by contact looks
again a minute later (its second sweep, queued by the score stage), and erases what it finds
then; a link written after the bar was checked and before it was written is found that way too.
That second sweep leaves a link dated after the erasure (consent given again within the minute).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from socialscore.domain.interaction import Erase
from socialscore.pipeline.index_settle import second_sweep
from socialscore.pipeline.ports import CrmPending, IdentityLinks, ScoreStore, TouchLedger


def second_sweeps(messages: Sequence[tuple[str, object]]) -> list[tuple[str, str, int]]:
    """(message id, body, delay) of the second sweeps the first sweeps of erasures by contact
    among `messages` call for."""
    return [
        second_sweep(mid, m)
        for mid, m in messages
        if isinstance(m, Erase) and m.contact_id is not None and m.sweep == 1
    ]


@dataclass
class Eraser:
    identities: IdentityLinks
    ledger: TouchLedger
    scores: ScoreStore
    crm: CrmPending

    def erase(self, request: Erase, at: datetime) -> int:
        """Returns how many ledger entries went. The CRM learns it through crm_sync: an erased
        contact's social fields are cleared there; a contact that lost one identity is scored
        again without it; nothing crm_sync keeps names them once its next run is done. A second
        sweep that finds no identity left changes nothing."""
        named = [i for i in (request.contact_id, request.identity) if i is not None]
        self.identities.bar(named, request.occurred_at)
        if request.contact_id is not None:
            whom = self.identities.identities_of(request.contact_id)
            if request.sweep > 1 and whom:
                # A link dated after the erasure, made since the first sweep, is consent given
                # again (resolution.relink records it): the second sweep leaves it.
                since = self.identities.linked_at(whom)
                whom = [i for i in whom if i not in since or since[i] <= request.occurred_at]
        else:
            whom = [request.identity] if request.identity else []
        if request.sweep > 1 and not whom:  # the first sweep missed nothing
            return 0
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
