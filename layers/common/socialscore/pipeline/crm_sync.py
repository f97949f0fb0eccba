"""crm_sync: take to the CRM what changed since the last run, in as few calls as its API allows.

A run reads what changed, not everything: the contacts whose touches or identity links changed
(the score and resolve stages mark them per ten minutes), the opportunities the CRM changed or whose
contacts changed, the erasures pending. Once a day every contact is scored again,
for decay; a contact is pushed only when its rounded score moved. Every record's digest is kept
after the CRM took it, so a re-run pushes nothing new, and the checkpoint and bookmarks move only
after the push: a run the CRM stopped (`CrmStopped`) leaves everything as it was, and the next
run converges (upserts by external id, so no duplicate in the CRM).

A contact's last organic touch and its buckets need its ledger, which the aggregates cannot
stand in for (a retraction moves the touch back): they are read for the contacts marked changed
(and those whose touches an opportunity's attribution read anyway), kept with the push, and
carried from there by the daily pass, which reads the ledger only for a contact never read or
whose buckets may have changed by time alone (crm_carry), at most `FIRST_READS` a run.

Complaint cases come from the same ledger reads: a complaint among the touches read of a
contact in scope opens one case, once per act (its digest is its key alone), on the run after
the act or after its profile was linked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from socialscore.crm.base import Crm, Push, PushOutcome
from socialscore.domain.interaction import Category
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    Opportunity,
    OpportunityInfluence,
)
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_carry import FIRST_READS, Carry, carry
from socialscore.pipeline.crm_records import (
    complaint_cases,
    contact_score,
    decayed,
    digest,
    influence,
)
from socialscore.pipeline.ports import IdentityLinks, ScoreStore, SyncStateStore, TouchLedger

__all__ = ["FIRST_READS", "CrmSync", "SyncReport"]


@dataclass(frozen=True)
class SyncReport:
    opportunities: int  # changed in the CRM since the checkpoint
    attributed: int  # opportunities attributed anew this run
    scored: int  # contacts scored anew this run
    pushed_scores: int
    pushed_influences: int
    pushed_records: int  # breakdown records upserted
    retired: int  # breakdown records deleted
    erased: int
    hot_leads: int
    complaints: int  # cases opened (a case or ticket each)
    failed: dict[str, str]  # record key -> the CRM's reason (retried next run)
    crm_calls: int
    checkpoint: datetime | None
    daily: bool  # every contact scored again for decay


@dataclass
class CrmSync:
    crm: Crm
    identities: IdentityLinks
    ledger: TouchLedger
    scores: ScoreStore
    state: SyncStateStore
    model: ScoringModel
    # Changes are marked when they are written: a run reads them by the clock, from when the
    # last run started, whatever slot time (`as_of`) it scores at.
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def run(self, as_of: datetime) -> SyncReport:
        started = self.clock()
        marks = self.state.bookmarks(self.crm.name)
        since = _time(marks.get(f"checkpoint#{self.crm.name}"))
        last_run = _time(marks.get("last_run"))
        changed = self.crm.changed_opportunities(since)
        erased = self.state.pending()
        touched = self._touched_since(last_run, started) - erased
        daily = last_run is None or marks.get("decay_day") != as_of.date().isoformat()
        if daily:  # decay: every contact scored again, pushed where its rounded score moved
            linked = self.identities.all_contacts()
        else:
            linked = {c: self.identities.identities_of(c) for c in sorted(touched)}
        scores, tasks, totals = self._scores(linked, as_of)
        records: dict[str, BaseModel] = {f"contact#{s.contact_id}": s for s in scores}
        records |= {f"hot#{t.profile}": t for t in tasks}
        ids = {o.id for o in changed} | self.state.opportunities_of(touched | erased)
        known = {o.id: o for o in self.state.opportunities(ids)} | {o.id: o for o in changed}
        touches: dict[str, list[Touch]] = {}  # identity -> its counted touches, read once a run
        parts = self._attribute(known, linked, records, touches)
        pushed = self.state.pushed(records)
        how = Carry(self.ledger, self.model, as_of, totals, touches)
        carried = carry(how, linked, touched, pushed, records)
        # Complaints among the touches read (the contacts in scope): their state read apart,
        # as they are known only once those touches are.
        cases = {c.key: c for c in complaint_cases(linked, touches)}
        records |= cases
        pushed |= self.state.pushed(cases) if cases else {}
        digests = {k: digest(r, parts.get(k, [])) for k, r in records.items()}
        fresh = [k for k, d in digests.items() if pushed.get(k, {}).get("digest") != d]
        retired = sorted(
            {r for k in parts if k in pushed for r in pushed[k]["parts"]}
            - {r for keys in parts.values() for r in keys}
        )
        push = Push(
            scores=[r for k in fresh if isinstance(r := records[k], ContactScore)],
            influences=[r for k in fresh if isinstance(r := records[k], OpportunityInfluence)],
            records=[r for k in fresh if isinstance(r := records[k], InfluenceRecord)],
            retired=retired,
            erased=sorted(erased),
            hot_leads=[r for k in fresh if isinstance(r := records[k], HotLeadTask)],
            complaints=[r for k in fresh if isinstance(r := records[k], ComplaintCase)],
        )
        outcome = self.crm.push(push) if push else PushOutcome()
        # The CRM's owners it read (opening hot-lead tasks): the contacts' next hot lead or
        # complaint is routed to them.
        for contact, owner in sorted(outcome.owners.items()):
            self.identities.set_owner(linked.get(contact, []), contact, owner)
        failed = dict(outcome.failed)
        landed = {
            k: (digests[k], parts.get(k, []), carried.get(k, {})) for k in fresh if k not in failed
        }
        # Read again and nothing to push (none found, or the same buckets until a later moment):
        # kept all the same, not to be read again before it is due.
        landed |= {
            k: (d, [], c)
            for k, c in carried.items()
            if k in pushed
            and (d := pushed[k]["digest"]) == digests[k]
            and pushed[k].get("kept", {}) != c
        }
        for r in retired:  # not deleted yet: listed again, so the next run tries again
            owner = f"opportunity#{r.split('|', 1)[0]}"
            if f"retired#{r}" in failed and owner in landed:
                landed[owner][1].append(r)
        checkpoint = max((o.modified_at for o in changed), default=since)
        bookmarks = {"last_run": started.isoformat()}
        if checkpoint is not None:
            bookmarks[f"checkpoint#{self.crm.name}"] = checkpoint.isoformat()
        if daily:
            bookmarks["decay_day"] = as_of.date().isoformat()
        for c in erased:  # nothing about the person is kept, and a later link pushes anew
            if f"erased#{c}" not in failed:
                landed[f"contact#{c}"] = ("", [], {})
        self._retry_later(failed, records, known, started)
        self.state.save(landed, changed, bookmarks)
        self.state.done([c for c in erased if f"erased#{c}" not in failed])
        return SyncReport(
            opportunities=len(changed),
            attributed=len(known),
            scored=len(linked),
            pushed_scores=len(push.scores),
            pushed_influences=len(push.influences),
            pushed_records=len(push.records),
            retired=len(retired),
            erased=len(push.erased),
            hot_leads=len(push.hot_leads),
            complaints=len(push.complaints),
            failed=failed,
            crm_calls=outcome.calls,
            checkpoint=checkpoint,
            daily=daily,
        )

    def _attribute(
        self,
        known: dict[str, Opportunity],
        linked: dict[str, list[str]],
        records: dict[str, BaseModel],
        touches: dict[str, list[Touch]],
    ) -> dict[str, list[str]]:
        """Add each opportunity's headline and breakdown to `records`; returns, per opportunity
        record, the keys of the breakdown records it has now (what a later run retires from).
        The touches it reads stay in `touches` for the rest of the run."""
        contacts = {c for o in known.values() for c in o.contact_ids}
        owned = {c: linked.get(c) or self.identities.identities_of(c) for c in contacts}
        identities = sorted({i for ids in owned.values() for i in ids})
        linked_at = self.identities.linked_at(identities)
        # An identity may be on several opportunities: its touches are read once.
        for i in identities:
            if i not in touches:
                touches[i] = self.ledger.touches_of(i)
        parts: dict[str, list[str]] = {}
        for opp in known.values():
            mine = [i for c in opp.contact_ids for i in owned[c]]
            identified = min((linked_at[i] for i in mine if i in linked_at), default=None)
            journey = [t for i in mine for t in touches[i]]
            headline, breakdown = influence(opp, journey, self.model, identified)
            records[f"opportunity#{opp.id}"] = headline
            records |= {f"influence#{r.key}": r for r in breakdown}
            parts[f"opportunity#{opp.id}"] = [r.key for r in breakdown]
        return parts

    def _touched_since(self, last_run: datetime | None, now: datetime) -> set[str]:
        """Contacts whose touches or identity links changed since the last run."""
        if last_run is None:
            return set()
        profiles, contacts = self.state.changed_since(last_run, now)
        return set(self.identities.contacts_of(sorted(profiles)).values()) | contacts

    def _scores(
        self, linked: dict[str, list[str]], as_of: datetime
    ) -> tuple[list[ContactScore], list[HotLeadTask], dict[str, tuple[float, float]]]:
        """The contacts' scores, a task for each of their identities the score stage found hot
        (linked before or after it crossed), and their scores unrounded (for the buckets)."""
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
                if "hot_since" in units.get((identity, Category.ORGANIC), {})
            ]
        return scores, tasks, totals

    def _retry_later(
        self,
        failed: dict[str, str],
        records: dict[str, BaseModel],
        known: dict[str, Opportunity],
        now: datetime,
    ) -> None:
        """A record the CRM refused is derived again next run: mark the contacts it came from."""
        contacts: set[str] = set()
        for key in failed:
            record = records.get(key)
            if isinstance(record, ContactScore | HotLeadTask | ComplaintCase):
                contacts.add(record.contact_id)
                continue
            opp_id = key.split("#", 1)[1].split("|", 1)[0]
            if opp_id in known:
                contacts |= set(known[opp_id].contact_ids)
        if contacts:
            self.state.mark_changed(now, contacts=contacts)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
