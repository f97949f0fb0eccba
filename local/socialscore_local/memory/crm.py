"""A CRM in memory, for crm_sync's rule tests and bench/crm_sync.py: it counts the calls its API
takes on each CRM path, each `latency` simulated seconds, and keeps what it was sent (`held`:
record key -> the last content written, breakdown records deleted when retired; a task or a case
opened once, found by its key as the real adapters find it). It can refuse its Nth call as a
daily limit would, or as a Bulk job the run has no time to wait for (`stop_at`, `stop_reason`:
the outcome names every key not written, as the real adapters' do), or lose the answer of the
call that wrote (`lose_at`): written, but reported not written. With `gdpr_delete` it deletes
each erased contact as HubSpot's GDPR delete does, one call each, last, within the run's time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialscore.crm.base import OUT_OF_TIME, CrmStopped, Push, PushOutcome
from socialscore.crm.hubspot_push import GDPR_CALL_SECONDS
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import RecordKey, RecordKind
from socialscore_local.memory.counting import Clock

# Records a call takes, per CRM path, and its reads' page sizes.
WRITE_LIMIT = {"salesforce": 200, "salesforce-bulk": 200, "hubspot": 100}
READ_PAGE = {"salesforce": 2000, "salesforce-bulk": 2000, "hubspot": 100}
# Salesforce's Bulk API 2.0 past 2,000 records of an object (its own advice), in calls: create
# the job, upload the CSV, close it, poll it (here: done at the first poll), read the successful
# and the failed results (socialscore.crm.salesforce_bulk cites each step's documentation).
BULK_THRESHOLD, BULK_CALLS = 2000, 6


@dataclass
class MemoryCrm:
    opportunities: list[Opportunity]
    path: str = "salesforce"
    clock: Clock = field(default_factory=Clock)
    latency: float = 0.0  # simulated seconds a call takes
    stop_at: int | None = None  # the call (0-based, counted across runs) that is refused
    stop_reason: str = "daily_limit"  # why (OUT_OF_TIME: a Bulk job the run had no time for)
    lose_at: int | None = None  # the call that writes but whose answer is lost
    # HubSpot's GDPR delete: a call per erased contact after the rest of the push, each made
    # only while `time_left` (crm_sync's budget) allows one, as crm.hubspot_push's
    gdpr_delete: bool = False
    time_left: Callable[[], float] = lambda: math.inf
    deleted: list[str] = field(default_factory=list)  # contacts GDPR-deleted, in call order
    # contact id -> its owner in the CRM, reported when a hot-lead task is opened for the
    # contact (the adapters read it then: PushOutcome.owners)
    owners: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    records: int = 0
    held: dict[RecordKey, Any] = field(default_factory=dict)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = "salesforce" if self.path.startswith("salesforce") else self.path

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        found = [o for o in self.opportunities if since is None or o.modified_at >= since]
        self._call(1 + len(found) // READ_PAGE[self.path])
        return found

    def push(self, push: Push) -> PushOutcome:
        # (records, their Push key, whether Bulk may take them, calls a chunk costs: a task is
        # looked up, then opened)
        groups: list[tuple[Sequence[Any], Callable[[Any], RecordKey], bool, int]] = [
            (push.scores, RecordKey.of, True, 1),
            (push.influences, RecordKey.of, True, 1),
            (push.records, RecordKey.of, True, 1),
            (push.retired, rk.retired, False, 1),
            (push.erased, rk.erased, False, 1),
            (push.hot_leads, RecordKey.of, False, 2),
            (push.complaints, RecordKey.of, False, 1),
        ]
        pending = push.keys()
        start = self.calls
        limit = WRITE_LIMIT[self.path]
        for items, key, bulk, cost in groups:
            chunks = [list(items[n : n + limit]) for n in range(0, len(items), limit)]
            if bulk and self.path == "salesforce-bulk" and len(items) > BULK_THRESHOLD:
                chunks, cost = [list(items)], BULK_CALLS
            for chunk in chunks:
                at = self.calls
                if self.stop_at is not None and at >= self.stop_at:
                    self.stop_at = None  # refused once: the next run goes on
                    failed = dict.fromkeys(pending, f"stopped: {self.stop_reason}")
                    raise CrmStopped(self.stop_reason, PushOutcome(failed, self.calls - start))
                self._call(cost)
                for item in chunk:
                    self._hold(key(item), item)
                self.records += len(chunk)
                if self.lose_at is not None and at >= self.lose_at:
                    self.lose_at = None  # written, but the answer never came
                    failed = dict.fromkeys(pending, "stopped: answer lost")
                    raise CrmStopped("unavailable", PushOutcome(failed, self.calls - start))
                done = {key(item) for item in chunk}
                pending = [k for k in pending if k not in done]
        if self.gdpr_delete:
            self._gdpr_delete(push.erased, start)
        tasked = {t.contact_id for t in push.hot_leads}
        owners = {c: o for c, o in self.owners.items() if c in tasked}
        return PushOutcome(calls=self.calls - start, owners=owners)

    @property
    def activity_batch(self) -> int:
        return WRITE_LIMIT[self.path]

    def push_activities(self, activities: Sequence[Activity]) -> PushOutcome:
        """Each held under rk.activity(id), once (a repeat is the same entry, as the adapters'
        idempotent pushes); ceil(n / the path's batch) calls, or one Bulk job past 2,000."""
        return self._activities(
            [(rk.activity(a.id), a.model_dump(mode="json")) for a in activities]
        )

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        return self._activities([(rk.activity(r.id), None) for r in removals])

    def _activities(self, items: list[tuple[RecordKey, Any]]) -> PushOutcome:
        start, limit = self.calls, WRITE_LIMIT[self.path]
        chunks = [items[n : n + limit] for n in range(0, len(items), limit)]
        cost = 1
        if self.path == "salesforce-bulk" and len(items) > BULK_THRESHOLD:
            chunks, cost = [items], BULK_CALLS
        for n, chunk in enumerate(chunks):
            if self.stop_at is not None and self.calls >= self.stop_at:
                self.stop_at = None
                left = [k for c in chunks[n:] for k, _ in c]
                failed = dict.fromkeys(left, f"stopped: {self.stop_reason}")
                raise CrmStopped(self.stop_reason, PushOutcome(failed, self.calls - start))
            self._call(cost)
            for key, content in chunk:
                if content is None:
                    self.held.pop(key, None)
                else:
                    self.held[key] = content
        return PushOutcome(calls=self.calls - start)

    def _gdpr_delete(self, contacts: Sequence[str], start: int) -> None:
        for n, contact in enumerate(contacts):
            if self.time_left() < GDPR_CALL_SECONDS:
                failed = dict.fromkeys(map(rk.erased, contacts[n:]), f"stopped: {OUT_OF_TIME}")
                raise CrmStopped(OUT_OF_TIME, PushOutcome(failed, self.calls - start))
            self._call(1)
            self.deleted.append(contact)

    def _call(self, n: int) -> None:
        self.calls += n
        self.clock.seconds += n * self.latency

    def _hold(self, key: RecordKey, item: Any) -> None:
        if key.kind is RecordKind.RETIRED:
            self.held.pop(rk.influence(key.id), None)
        elif key.kind is RecordKind.ERASED:
            self.held[rk.contact(key.id)] = None
        elif key.kind in (RecordKind.HOT, RecordKind.COMPLAINT):  # opened once, found by key
            self.held.setdefault(key, item.model_dump(mode="json"))
        else:
            self.held[key] = item.model_dump(mode="json")
