"""crm_sync's activity step: each counted interaction of a linked contact as an activity on the
person's record (domain.activity), pushed once, and taken off when its act is withdrawn.

Change-driven, like the rest of crm_sync: a slice's step reads the ledger of its contacts (those
marked changed: the ledger marks a profile when it records a touch or a withdrawal, the resolve
stage when it links one; and, once a day, the decay pass's, which is how the history of contacts
linked before activities were turned on lands) and pushes only what the CRM does not hold yet:
calls = ceil(new activities / the CRM's batch limit) (`ActivityLog.activity_batch`), and none
for a slice with nothing new. What was pushed is kept per profile (`rk.activities(profile)`: the
interaction ids and the contact they went to; written only when they move), so:

- an activity already pushed is not pushed again (the CRM is idempotent by the interaction id
  too: a push whose answer was lost is sent again without a second entry);
- a touch the ledger no longer counts (an unlike, a deleted reply or post) is removed;
- a profile linked to another contact has its activities removed from the old contact and
  pushed to the new one;
- an erased profile (the slice's `forgotten`) has every activity removed, before crm_sync's
  `forget` deletes what the state keeps naming it (its record among them).

The step runs after its slice is saved, so its own reads and writes never make a slice's work
be redone; what keeps it from being lost is the slice's contacts saved as due with the slice's
cursors (crm_activities_due), taken `GROUP` at a time, each group saved with the progress past
it, and the rest taken first by the next run (`resume`) when a run fails or stops among them.

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
# Contacts whose activities are taken (read, pushed, saved) together: a failure redoes one group.
GROUP = 25


@dataclass
class ActivityResult:
    pushed: int = 0  # activities the CRM took
    removed: int = 0  # activities taken off (or marked withdrawn where the CRM cannot delete)
    calls: int = 0
    failed: dict[RecordKey, str] = field(default_factory=dict)  # rk.activity(id) -> why


@dataclass(frozen=True)
class _Held:
    """A profile's activities in the CRM, as the state keeps them."""

    contact: str
    ids: frozenset[str]


@dataclass
class ActivitySync:
    log: ActivityLog
    ledger: TouchLedger
    state: SyncStateStore
    group: int = GROUP

    def due(self, linked: Mapping[str, list[str]]) -> dict[RecordKey, Pushed]:
        """What crm_sync saves with a slice's cursors: its contacts are due (none: nothing)."""
        return due_records(linked) if linked else {}

    def resume(self, now: datetime) -> ActivityResult:
        """Take the contacts an earlier run left due (it failed or stopped among them)."""
        left, done = pending(self.state)
        return self._take(left, done, now) if left else ActivityResult()

    def __call__(
        self, linked: Mapping[str, list[str]], forgotten: Iterable[str], now: datetime
    ) -> ActivityResult:
        """Push the new activities of `linked` (contact -> its identities: the slice's, whose
        `due` records crm_sync saved) and remove the withdrawn ones, after every activity of
        the `forgotten` profiles is removed."""
        result = _merge(ActivityResult(), self._group({}, forgotten, now, {}))
        return _merge(result, self._take(dict(linked), 0, now))

    def _take(self, linked: Mapping[str, list[str]], done: int, now: datetime) -> ActivityResult:
        """The due contacts `linked` in groups, each saved with the progress (`done` before)."""
        contacts = sorted(linked)
        result = ActivityResult()
        chunks = -(-(done + len(contacts)) // DUE_CHUNK)
        for start in range(0, len(contacts), self.group):
            part = {c: linked[c] for c in contacts[start : start + self.group]}
            taken = done + start + len(part)
            last = start + self.group >= len(contacts)
            progress = cleared(chunks) if last else head(chunks, taken)
            result = _merge(result, self._group(part, [], now, progress))
        return result

    def _group(
        self,
        linked: Mapping[str, list[str]],
        forgotten: Iterable[str],
        now: datetime,
        progress: dict[RecordKey, Pushed],
    ) -> ActivityResult:
        owner = {i: c for c, ids in linked.items() for i in ids}
        gone = sorted(set(forgotten))
        profiles = sorted(owner) + [p for p in gone if p not in owner]
        if not profiles:
            if progress:
                self.state.save(Landing(progress, {}), [], {})
            return ActivityResult()
        held = _read(self.state.pushed(rk.activities(p) for p in profiles))
        now_ids: dict[str, dict[str, Activity]] = {}
        for profile, contact in owner.items():
            acts = (Activity.of(t, contact) for t in self.ledger.touches_of(profile))
            now_ids[profile] = {a.id: a for a in acts}
        new: list[Activity] = []
        removals: list[Removal] = []
        source: dict[str, str] = {}  # interaction id -> its profile
        for profile in profiles:
            was = held.get(profile)
            current = now_ids.get(profile, {})
            moved = was is not None and was.contact != owner.get(profile, was.contact)
            if was is not None:
                stale = was.ids if moved else was.ids - current.keys()
                removals += [Removal(i, was.contact) for i in sorted(stale)]
            kept = frozenset() if was is None or moved else was.ids
            new += [a for i, a in sorted(current.items()) if i not in kept]
            source |= dict.fromkeys(current, profile) | dict.fromkeys(
                was.ids if was else (), profile
            )
        pushing = _Calls(removals, new)
        removing = True  # which call a stop answers
        try:
            if removals:
                pushing.answered(self.log.remove_activities(removals), removed=True)
            removing = False
            if new:
                pushing.answered(self.log.push_activities(new), removed=False)
        except CrmStopped as stop:
            pushing.answered(stop.outcome, removed=removing)
            self._save(pushing, held, owner, source, now, {})  # the group stays due
            raise
        self._save(pushing, held, owner, source, now, progress)
        return pushing.result

    def _save(
        self,
        calls: _Calls,
        held: dict[str, _Held],
        owner: dict[str, str],
        source: dict[str, str],
        now: datetime,
        progress: dict[RecordKey, Pushed],
    ) -> None:
        """Keep, per linked profile, the ids the CRM holds once the calls answered: those it
        held less those it removed, and those it took; mark the contacts whose activities it
        refused (or was never asked for: the run stopped) changed, for the next run. A profile
        that moved to another contact and kept an activity on the old one keeps its old state:
        the next run does the whole move again (a repeat push is idempotent)."""
        pushed: dict[RecordKey, Pushed] = {}
        retry: set[str] = set()
        for profile, contact in sorted(owner.items()):
            was = held.get(profile)
            mine = {i for i, p in source.items() if p == profile}
            if mine & calls.undone:
                retry.add(contact)
            moved = was is not None and was.contact != contact
            if was is not None and moved and was.ids - calls.removed_ok:
                continue
            base = set() if was is None or moved else set(was.ids)
            ids = (base - calls.removed_ok) | (mine & calls.pushed_ok)
            if was is not None and not moved and ids == was.ids:
                continue  # nothing moved: no write (the daily pass reads every contact)
            if was is None and not ids:
                continue
            key = rk.activities(profile)
            pushed[key] = Pushed(_digest(contact, ids), sorted(ids), {CONTACT: contact})
        if pushed or progress:  # the group's records and the progress past it, in one save
            self.state.save(Landing(pushed | progress, {}), [], {})
        if retry:
            self.state.mark_changed(now, contacts=sorted(retry))


@dataclass
class _Calls:
    """What the CRM answered for a step's removals and pushes."""

    removals: list[Removal]
    new: list[Activity]
    result: ActivityResult = field(default_factory=ActivityResult)
    removed_ok: set[str] = field(default_factory=set)
    pushed_ok: set[str] = field(default_factory=set)

    def answered(self, outcome: PushOutcome, *, removed: bool) -> None:
        self.result.calls += outcome.calls
        self.result.failed |= outcome.failed
        refused = {k.id for k in outcome.failed}
        if removed:
            self.removed_ok = {r.id for r in self.removals} - refused
            self.result.removed = len(self.removed_ok)
        else:
            self.pushed_ok = {a.id for a in self.new} - refused
            self.result.pushed = len(self.pushed_ok)

    @property
    def undone(self) -> set[str]:
        """Ids the CRM refused, or was never asked about (the run stopped before)."""
        removals = {r.id for r in self.removals} - self.removed_ok
        return removals | ({a.id for a in self.new} - self.pushed_ok)


def _merge(a: ActivityResult, b: ActivityResult) -> ActivityResult:
    return ActivityResult(
        a.pushed + b.pushed, a.removed + b.removed, a.calls + b.calls, a.failed | b.failed
    )


def _read(found: Mapping[RecordKey, Pushed]) -> dict[str, _Held]:
    return {
        key.id: _Held(last.kept.get(CONTACT, ""), frozenset(last.parts))
        for key, last in found.items()
    }


def _digest(contact: str, ids: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join([contact, *sorted(ids)]).encode()).hexdigest()
