"""The records a slice of crm_sync's work takes to the CRM, derived from what the stores hold:
the contacts' scores and hot-lead tasks, the opportunities' headlines and breakdowns, the
complaint cases among the touches read, and what each record's last push carried. Reads only.

An opportunity is attributed anew when the CRM changed it or one of its contacts was marked
changed or erased. A contact's last organic touch and buckets come from its ledger when it was
marked changed or its touches were read anyway, and are otherwise carried (crm_carry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from socialscore.domain.attributed import Attributed, Recorded
from socialscore.domain.interaction import Category
from socialscore.domain.opportunity import ContactScore, HotLeadTask, Opportunity
from socialscore.domain.record_key import Pushed, Record, RecordKey
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_carry import Carry, Kept, carry
from socialscore.pipeline.crm_records import (
    attributed_influence,
    complaint_cases,
    contact_score,
    decayed,
)
from socialscore.pipeline.crm_work import Slice
from socialscore.pipeline.ports import IdentityLinks, ScoreStore, SyncStateStore, TouchLedger


@dataclass(frozen=True)
class Derived:
    records: dict[RecordKey, Record]  # what the CRM is to hold
    parts: dict[RecordKey, list[str]]  # opportunity record -> the breakdown record keys it has now
    pushed: Mapping[RecordKey, Pushed]  # what each record's last push left
    carried: dict[RecordKey, Kept]  # contact record -> what its push keeps for later runs
    known: dict[str, Opportunity]  # the opportunities attributed
    linked: dict[str, list[str]]  # the contacts scored, with their identities
    # each opportunity's splits by dimension (the report's), kept with it by the slice's save
    attributed: dict[str, Attributed] = field(default_factory=dict)

    def attributions(self) -> list[Recorded]:
        """The opportunities attributed, with their splits: what the slice's save keeps."""
        return [
            Recorded(opportunity=self.known[i], attributed=a)
            for i, a in sorted(self.attributed.items())
        ]


@dataclass
class Derive:
    identities: IdentityLinks
    ledger: TouchLedger
    scores: ScoreStore
    state: SyncStateStore
    model: ScoringModel

    def __call__(self, work: Slice, as_of: datetime) -> Derived:
        touched = set(work.touched)
        linked = {c: self.identities.identities_of(c) for c in work.touched} | dict(work.decay)
        scores, tasks, totals = self._scores(linked, as_of)
        records: dict[RecordKey, Record] = {RecordKey.of(s): s for s in scores}
        records |= {RecordKey.of(t): t for t in tasks}
        ids = {o.id for o in work.opportunities}
        if touched | work.erased:
            ids |= self.state.opportunities_of(touched | work.erased)
        known = {o.id: o for o in self.state.opportunities(ids)} if ids else {}
        known |= {o.id: o for o in work.opportunities}
        touches: dict[str, list[Touch]] = {}  # identity -> its counted touches, read once
        attributed: dict[str, Attributed] = {}
        parts = self._attribute(known, linked, records, touches, attributed)
        pushed = self.state.pushed(records) if records else {}
        how = Carry(self.ledger, self.model, as_of, totals, touches)
        carried = carry(how, linked, touched, pushed, records)
        # Complaints among the touches read: their state read apart, as they are known only
        # once those touches are.
        cases = {RecordKey.of(c): c for c in complaint_cases(linked, touches)}
        records |= cases
        if cases:
            pushed |= self.state.pushed(cases)
        return Derived(records, parts, pushed, carried, known, linked, attributed)

    def _attribute(
        self,
        known: dict[str, Opportunity],
        linked: dict[str, list[str]],
        records: dict[RecordKey, Record],
        touches: dict[str, list[Touch]],
        attributed: dict[str, Attributed],
    ) -> dict[RecordKey, list[str]]:
        """Add each opportunity's headline and breakdown to `records`, and its splits by
        dimension to `attributed`; returns, per opportunity record, the keys of the breakdown
        records it has now (what a later run retires from). The touches it reads stay in
        `touches` for the rest of the slice."""
        contacts = {c for o in known.values() for c in o.contact_ids}
        owned = {c: linked.get(c) or self.identities.identities_of(c) for c in contacts}
        identities = sorted({i for ids in owned.values() for i in ids})
        linked_at = self.identities.linked_at(identities) if identities else {}
        # An identity may be on several opportunities: its touches are read once.
        for i in identities:
            if i not in touches:
                touches[i] = self.ledger.touches_of(i)
        parts: dict[RecordKey, list[str]] = {}
        for opp in known.values():
            mine = [i for c in opp.contact_ids for i in owned[c]]
            identified = min((linked_at[i] for i in mine if i in linked_at), default=None)
            journey = [t for i in mine for t in touches[i]]
            headline, breakdown, attributed[opp.id] = attributed_influence(
                opp, journey, self.model, identified
            )
            records[RecordKey.of(headline)] = headline
            records |= {RecordKey.of(r): r for r in breakdown}
            parts[RecordKey.of(headline)] = [r.key for r in breakdown]
        return parts

    def _scores(
        self, linked: dict[str, list[str]], as_of: datetime
    ) -> tuple[list[ContactScore], list[HotLeadTask], dict[str, tuple[float, float]]]:
        """The contacts' scores (zero for one whose last identity was erased), a task for each
        of their identities the score stage found hot (linked before or after it crossed), and
        their scores unrounded (for the buckets)."""
        every = [i for ids in linked.values() for i in ids]
        units = self.scores.profile_units(every) if every else {}
        scores: list[ContactScore] = []
        tasks: list[HotLeadTask] = []
        totals: dict[str, tuple[float, float]] = {}
        for contact, identities in sorted(linked.items()):
            totals[contact] = decayed(identities, units, as_of, self.model)
            score = contact_score(contact, totals[contact], self.model)
            scores.append(score)
            tasks += [
                HotLeadTask(
                    profile=identity,
                    contact_id=contact,
                    organic_score=score.organic_score,
                    threshold=self.model.hot_lead_threshold,
                )
                for identity in identities
                if (item := units.get((identity, Category.ORGANIC))) and item.hot_since
            ]
        return scores, tasks, totals
