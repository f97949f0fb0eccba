"""crm_sync's activity step: each counted interaction of a linked contact as an activity on the
person's record (domain.activity), pushed once, and taken off when its act is withdrawn.

Change-driven, like the rest of crm_sync: a slice's step reads the ledger of its contacts (those
marked changed: the ledger marks a profile when it records a touch or a withdrawal, the resolve
stage when it links one; and, once a day, the decay pass's, which is how the history of contacts
linked before activities were turned on lands) and sends only what the CRM does not hold yet, in
full batches: calls = ceil(new activities / the CRM's batch limit) (`ActivityLog.activity_batch`),
the same for removals, and none for a slice with nothing new. What was pushed is kept per
profile (`rk.activities(profile)`: the interaction ids and the contact they went to; written only
when they move), so:

- an activity already pushed is not pushed again (the CRM is idempotent by the interaction id
  too: a push whose answer was lost is sent again without a second entry);
- a touch the ledger no longer counts (an unlike, a deleted reply or post) is removed;
- a profile linked to another contact has its activities removed from the old contact and
  pushed to the new one (its old record kept until every removal is confirmed);
- an erased profile (the slice's `forgotten`) has every activity removed, before crm_sync's
  `forget` deletes what the state keeps naming it (its record among them).

The step runs after its slice is saved, so its own reads and writes never make a slice's work
be redone; what keeps it from being lost is the slice's contacts saved as due with the slice's
cursors (crm_activities_due). Contacts are read in order and their activities sent a full batch
at a time; each batch's answer is saved with the progress past the contacts it finished, and a
run that fails or stops among them leaves the rest due, taken first by the next run (`resume`).

What the CRM refused is not kept as pushed: its contact is marked changed, so the next run tries
again. A `CrmStopped` saves what landed before it, marks the rest, and is raised again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from socialscore.crm.base import CrmStopped, PushOutcome
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.record_key import Landing, Pushed, RecordKey
from socialscore.pipeline.crm_activities_due import DUE_CHUNK, cleared, head, pending
from socialscore.pipeline.crm_activities_due import due as due_records
from socialscore.pipeline.ports import ActivityLog, SyncStateStore, TouchLedger

CONTACT = "contact"  # what the state keeps, with a profile's ids: the contact they went to


@dataclass
class ActivityResult:
    pushed: int = 0  # activities the CRM took
    removed: int = 0  # activities taken off (or marked withdrawn where the CRM cannot delete)
    calls: int = 0
    failed: dict[RecordKey, str] = field(default_factory=dict)  # rk.activity(id) -> why

    def add(self, outcome: PushOutcome) -> None:
        self.calls += outcome.calls
        self.failed |= outcome.failed


@dataclass
class _Profile:
    """A profile's activities during a step: where they go, and what the CRM holds now."""

    contact: str
    was: frozenset[str] | None  # the ids its record kept (None: no record)
    ids: set[str]  # what the CRM holds for it on `contact`, as confirmed
    old: set[str] = field(default_factory=set)  # still on the contact it moved from
    changed: bool = False


# (contact's index in the step, profile, the activity or removal)
Op = tuple[int, str, Activity | Removal]


@dataclass
class ActivitySync:
    log: ActivityLog
    ledger: TouchLedger
    state: SyncStateStore

    def due(self, linked: Mapping[str, list[str]]) -> dict[RecordKey, Pushed]:
        """What crm_sync saves with a slice's cursors: its contacts are due (none: nothing)."""
        return due_records(linked) if linked else {}

    def resume(self, now: datetime) -> ActivityResult:
        """Take the contacts an earlier run left due (it failed or stopped among them)."""
        left, done = pending(self.state)
        return _Step(self, now).take(left, done) if left else ActivityResult()

    def __call__(
        self, linked: Mapping[str, list[str]], forgotten: Iterable[str], now: datetime
    ) -> ActivityResult:
        """Remove every activity of the `forgotten` profiles, then push the new activities of
        `linked` (contact -> its identities: the slice's, whose `due` records crm_sync saved)
        and remove the withdrawn ones."""
        step = _Step(self, now)
        step.forget(sorted(set(forgotten)))
        return step.take(linked, 0)


class _Step:
    def __init__(self, sync: ActivitySync, now: datetime) -> None:
        self.sync, self.now = sync, now
        self.batch = sync.log.activity_batch
        self.result = ActivityResult()
        self.profiles: dict[str, _Profile] = {}

    def forget(self, profiles: list[str]) -> None:
        """Every activity of these erased profiles off the CRM: nothing is saved (crm_sync's
        `forget` deletes their records next); a stop leaves the erasure pending, done again."""
        if not profiles:
            return
        held = self.sync.state.pushed(rk.activities(p) for p in profiles)
        gone = [
            Removal(i, last.kept.get(CONTACT, "")) for last in held.values() for i in last.parts
        ]
        for n in range(0, len(gone), self.batch):
            outcome = self.sync.log.remove_activities(gone[n : n + self.batch])
            self.result.add(outcome)
            self.result.removed += len(gone[n : n + self.batch]) - len(outcome.failed)

    def take(self, linked: Mapping[str, list[str]], offset: int) -> ActivityResult:
        """Read the contacts in order and send their removals, then their new activities, a
        full batch at a time; after each, save what landed and the progress (`offset`: contacts
        of the due list taken before these)."""
        contacts = sorted(linked)
        owner = {i: c for c in contacts for i in linked[c]}
        held = self.sync.state.pushed(rk.activities(p) for p in owner) if owner else {}
        chunks = -(-(offset + len(contacts)) // DUE_CHUNK)
        removals: list[Op] = []
        pushes: list[Op] = []
        for index, contact in enumerate(contacts):
            for profile in linked[contact]:
                last = held.get(rk.activities(profile))
                current = self._read(profile, contact, last)
                was = self.profiles[profile]
                stale = (was.old or set(last.parts) - current.keys()) if last else set()
                gone_from = last.kept.get(CONTACT, "") if last else ""
                removals += [(index, profile, Removal(i, gone_from)) for i in sorted(stale)]
                pushes += [(index, profile, a) for i, a in current.items() if i not in was.ids]
            # Full batches as soon as there are: the progress moves past finished contacts.
            while len(removals) >= self.batch or len(pushes) >= self.batch:
                ops = removals if len(removals) >= self.batch else pushes
                sent, ops[:] = ops[: self.batch], ops[self.batch :]
                done = offset + _next(removals, pushes, index + 1)
                self._send(sent, ops is removals, head(chunks, done))
        finished = False
        for ops, removing in ((removals, True), (pushes, False)):
            while ops:
                sent, ops[:] = ops[: self.batch], ops[self.batch :]
                finished = not removals and not pushes
                done = offset + _next(removals, pushes, len(contacts))
                self._send(sent, removing, cleared(chunks) if finished else head(chunks, done))
        if chunks and not finished:  # nothing left to send: nothing is due any more
            self.sync.state.save(Landing(cleared(chunks), {}), [], {})
        return self.result

    def _read(self, profile: str, contact: str, last: Pushed | None) -> dict[str, Activity]:
        acts = (Activity.of(t, contact) for t in self.sync.ledger.touches_of(profile))
        current = dict(sorted((a.id, a) for a in acts))
        moved = last is not None and last.kept.get(CONTACT, "") != contact
        kept = set() if last is None or moved else set(last.parts)
        old = set(last.parts) if last is not None and moved else set()
        was = frozenset(last.parts) if last is not None else None
        self.profiles[profile] = _Profile(contact, was, kept, old)
        return current

    def _send(self, ops: list[Op], removing: bool, progress: dict[RecordKey, Pushed]) -> None:
        """One call's worth; then save what it landed with `progress` (a stop saves what
        landed alone, the progress staying before these)."""
        try:
            if removing:
                gone = [op for _, _, op in ops if isinstance(op, Removal)]
                outcome = self.sync.log.remove_activities(gone)
            else:
                new = [op for _, _, op in ops if isinstance(op, Activity)]
                outcome = self.sync.log.push_activities(new)
        except CrmStopped as stop:
            self._landed(ops, removing, stop.outcome, {})
            raise
        self._landed(ops, removing, outcome, progress)

    def _landed(
        self,
        ops: list[Op],
        removing: bool,
        outcome: PushOutcome,
        progress: dict[RecordKey, Pushed],
    ) -> None:
        self.result.add(outcome)
        refused = {k.id for k in outcome.failed}
        retry: set[str] = set()
        for _, profile, op in ops:
            mine = self.profiles[profile]
            mine.changed = True
            if op.id in refused:
                retry.add(mine.contact)
            elif removing and op.id in mine.old:
                mine.old.discard(op.id)
            elif removing:
                mine.ids.discard(op.id)
            else:
                mine.ids.add(op.id)
        landed = len(ops) - len({op.id for *_, op in ops} & refused)
        if removing:
            self.result.removed += landed
        else:
            self.result.pushed += landed
        records: dict[RecordKey, Pushed] = {}
        for profile, m in sorted(self.profiles.items()):
            # A profile that moved keeps its old record until it is off the old contact.
            if m.changed and not m.old and frozenset(m.ids) != (m.was or frozenset()):
                ids = sorted(m.ids)
                records[rk.activities(profile)] = Pushed(
                    _digest(m.contact, ids), ids, {CONTACT: m.contact}
                )
                m.was, m.changed = frozenset(m.ids), False  # saved: not written again
        if records or progress:
            self.sync.state.save(Landing(records | progress, {}), [], {})
        if retry:
            self.sync.state.mark_changed(self.now, contacts=sorted(retry))


def _next(removals: list[Op], pushes: list[Op], read: int) -> int:
    """The first contact with something still to send (`read`: none, all read so far)."""
    return min([ops[0][0] for ops in (removals, pushes) if ops], default=read)


def _digest(contact: str, ids: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join([contact, *sorted(ids)]).encode()).hexdigest()
