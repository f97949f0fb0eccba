"""crm_sync: take to the CRM what changed since the last run, in as few calls as its API allows,
within the invocation's time budget, saving after every slice what landed.

A run reads what changed, not everything: the erasures pending, the opportunities the CRM changed
since its checkpoint, the contacts whose touches or identity links changed (the score and resolve
stages mark them per ten minutes). Once a day every linked contact is scored again for decay and
pushed only when its rounded score moved. The work is cut in slices of a few CRM calls
(crm_work); each slice is derived (crm_derive, reads only), planned (crm_plan, pure), pushed,
settled (crm_plan, pure) and saved: the digest of every record the CRM took, then the cursors
past the slice (crm_cursors). A run begins another
slice only while its budget allows (crm_budget); the next run resumes from the last saved
cursors. A `CrmStopped` (a daily limit, the CRM unavailable) saves what landed before it and
leaves the cursors at the slice it stopped in (one for want of time, `OUT_OF_TIME`, ends the run
as out of time instead of raising); every write is an upsert by external id (tasks and
cases found by their own key), so a resumed run converges and duplicates nothing.

Complaint cases come from the ledger reads of the contacts in a slice: a complaint among the
touches read opens one case, once per act (its digest is its key alone).

Erasures (the score stage's, pending here) come 100 a slice, the run's first and, for the
others, after the rest of its work (crm_work); in each, the contact's CRM fields
are cleared, its opportunities attributed again without it, and everything the state keeps
naming the contact or its identities is deleted (sync_state's `forget`). A change window's
marks are deleted once it closes.

One run at a time: a run first takes the run lease (sync_state's `take_lease`) for its
invocation's time and a margin, and gives it back at its end, whatever ends it. A run that finds
the lease held (a scheduled run overlapping one by hand, or a slow one) does nothing and says
until when: two runs at once would both find no hot-lead task and both open one.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from socialscore.aws.logs import logger
from socialscore.crm.base import OUT_OF_TIME, CrmStopped, Push, PushOutcome
from socialscore.domain.record_key import Erasures, RecordKey, RecordKind
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.bucket_tally import BucketTally
from socialscore.pipeline.crm_activities import ActivityResult, ActivitySync
from socialscore.pipeline.crm_budget import Budget
from socialscore.pipeline.crm_cursors import Cursors
from socialscore.pipeline.crm_derive import Derive, Derived
from socialscore.pipeline.crm_identities import CrmIdentities, FieldsReport, ReviewQueue
from socialscore.pipeline.crm_plan import plan, settle
from socialscore.pipeline.crm_work import Slice, SliceSize, slices
from socialscore.pipeline.index_settle import INDEX_SETTLE
from socialscore.pipeline.ports import Crm, IdentityLinks, ScoreStore, SyncStateStore, TouchLedger

__all__ = ["CrmSync", "SyncReport"]

# A run holds the lease for its invocation's time plus this margin (the clocks of two Lambda
# invocations may differ a little); one with no time budget (by hand, locally) for UNTIMED.
LEASE_MARGIN = timedelta(seconds=60)
UNTIMED = timedelta(minutes=15)
RELEASE_TRIES = 3


@dataclass
class SyncReport:
    opportunities: int = 0  # changed in the CRM since the checkpoint
    attributed: int = 0  # opportunities attributed anew this run
    scored: int = 0  # contacts scored anew this run
    pushed_scores: int = 0
    pushed_influences: int = 0
    pushed_records: int = 0  # breakdown records upserted
    retired: int = 0  # breakdown records deleted
    erased: int = 0
    hot_leads: int = 0
    complaints: int = 0  # cases opened (a case or ticket each)
    activities: int = 0  # activities put on contacts' records (crm_activities)
    activities_removed: int = 0  # taken off: acts withdrawn, profiles erased
    failed: dict[RecordKey, str] = field(default_factory=dict)  # key -> the CRM's reason
    crm_calls: int = 0
    checkpoint: datetime | None = None
    daily: bool = False  # worked on the daily decay pass
    slices: int = 0  # slices pushed and saved
    complete: bool = True  # False: the budget ran out with work left; the next run resumes
    leased_until: datetime | None = None  # another run held the lease until then: nothing done
    # Links from the CRM contacts' social fields (crm_identities); None: off, or not made
    identity_links: FieldsReport | None = None

    def take(self, moved: ActivityResult) -> None:
        """Count an activity step's work."""
        self.activities += moved.pushed
        self.activities_removed += moved.removed
        self.crm_calls += moved.calls
        self.failed |= moved.failed

    def add(self, derived: Derived, push: Push, outcome: PushOutcome, piece: Slice) -> None:
        """Count a slice pushed and saved."""
        self.attributed += len(derived.known)
        self.scored += len(derived.linked)
        self.pushed_scores += len(push.scores)
        self.pushed_influences += len(push.influences)
        self.pushed_records += len(push.records)
        self.retired += len(push.retired)
        self.erased += len(push.erased)
        self.hot_leads += len(push.hot_leads)
        self.complaints += len(push.complaints)
        self.failed |= outcome.failed
        self.crm_calls += outcome.calls
        self.checkpoint = piece.after.checkpoint
        self.daily = self.daily or piece.daily
        self.slices += 1


@dataclass
class CrmSync:
    crm: Crm
    identities: IdentityLinks
    ledger: TouchLedger
    scores: ScoreStore
    state: SyncStateStore
    model: ScoringModel
    # Changes are marked when they are written: a run reads them by the clock, from where the
    # last window ended, whatever slot time (`as_of`) it scores at.
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    size: SliceSize = field(default_factory=SliceSize)
    # Each interaction as an activity on the contact's record; None: off (ActivitiesToCrm).
    activities: ActivitySync | None = None
    # Links from the CRM contacts' social fields, made first (None: not configured).
    identity_fields: CrmIdentities | None = None
    # Its review queue and bar on erased ids, wired whether the step is on or not: an erasure
    # taken while it is off still bars the contact once it is on (its first read reads all).
    identity_review: ReviewQueue | None = None
    # The report's bucket counts, kept as profiles change (pipeline.bucket_tally); None: off.
    tally: BucketTally | None = None

    def run(self, as_of: datetime, budget: Budget | None = None, run_id: str = "") -> SyncReport:
        """A run as of the slot `as_of`, under the run lease: `run_id` names it (the Lambda's
        request id, which a retry of the same invocation keeps)."""
        budget = budget or Budget.unlimited()
        started = self.clock()
        owner = run_id or uuid.uuid4().hex
        try:
            held = self.state.take_lease(owner, started, started + _lease(budget))
        except Exception:
            # The lease may be written with its answer lost: a run that failed here must not
            # keep every later run waiting for its expiry.
            self._let_go(owner)
            raise
        if held is not None:  # another run is pushing: this one would duplicate its tasks
            return SyncReport(complete=False, leased_until=held)
        try:
            return self._run(as_of, budget, started)
        finally:
            self._let_go(owner)

    def _let_go(self, owner: str) -> None:
        """Give the lease back, trying a few times: one left behind by a failed call would turn
        every run away until it expires (minutes). Giving back is idempotent (conditioned on the
        owner); if every try fails, the expiry frees it."""
        for attempt in range(1, RELEASE_TRIES + 1):
            try:
                self.state.release_lease(owner)
                return
            except Exception as err:  # the lease's expiry is the backstop
                if attempt == RELEASE_TRIES:
                    logger().warning(
                        "crm_sync lease not given back: it expires by itself",
                        extra={"reason": type(err).__name__},
                    )

    def _run(self, as_of: datetime, budget: Budget, started: datetime) -> SyncReport:
        at = Cursors.read(self.state.bookmarks(self.crm.name), self.crm.name)
        # A first run reads what attribution can credit (changed within the lookback before
        # the slot), not every opportunity the CRM ever held.
        first = as_of - timedelta(days=self.model.attribution.lookback_days)
        changed = self.crm.changed_opportunities(at.checkpoint or first)
        erased, forgotten = self.state.pending()
        fields = None
        if self.identity_fields is not None:
            fields = self.identity_fields.run_safely(started, erased | forgotten)
        window_end = at.marks_until or started
        touched = self._touched_since(at.last_run, window_end) - erased
        if self.tally is not None:  # first: a slice may take the window and delete its marks
            self.tally(
                as_of, at.last_run, window_end, Erasures(erased, forgotten), budget.remaining
            )
        report = SyncReport(
            opportunities=len(changed), checkpoint=at.checkpoint, identity_links=fields
        )
        if self.activities is not None:  # what a run before left due, first
            try:
                report.take(self.activities.resume(started))
            except CrmStopped as stop:
                if stop.reason != OUT_OF_TIME:
                    raise
                report.complete = False  # the rest stays due: the next run goes on
                return report
        work = slices(
            at,
            erased=erased,
            forgotten=forgotten,
            changed=changed,
            touched=touched,
            window_end=window_end,
            # A link marked since may not be in the by_contact index yet: its bucket is kept.
            settled=min(window_end, started - INDEX_SETTLE),
            day=as_of.date().isoformat(),
            pages=self.identities.contacts_page,
            size=self.size,
        )
        derive = Derive(self.identities, self.ledger, self.scores, self.state, self.model)
        done: set[str] = set()  # contacts scored this run: the decay pass skips them
        for piece in work:
            if report.slices and not budget.allows(piece.kind):
                report.complete = False  # the next run resumes from the cursors saved
                break
            begun = budget.start()
            if piece.daily:
                piece = Slice(piece.after, decay=_unseen(piece, done), daily=True)
            try:
                self._slice(derive(piece, as_of), piece, as_of, started, report)
            except CrmStopped as stop:
                if stop.reason != OUT_OF_TIME:
                    raise
                report.complete = False  # what landed is saved; the next run sends the rest
                break
            done |= set(piece.touched)
            budget.spent(piece.kind, begun)
        return report

    def _slice(
        self, derived: Derived, piece: Slice, as_of: datetime, now: datetime, report: SyncReport
    ) -> None:
        """Push one slice (planned, pure), then save what landed (settled, pure) and, unless the
        CRM stopped, the cursors past it."""
        planned = plan(derived, piece.erased)
        try:
            outcome = self.crm.push(planned.push) if planned.push else PushOutcome()
        except CrmStopped as stop:
            # What landed before the stop is kept; the cursors stay before this slice.
            stopped = settle(derived, planned, stop.outcome.failed)
            self.state.save(stopped.landing, [], {})
            report.crm_calls += stop.outcome.calls
            if all(k.kind is RecordKind.ERASED for k in stop.outcome.failed):
                # Stopped among the erasures alone (HubSpot's GDPR deletes, one call each, come
                # last): those done are done, so a redo of the slice does not start over.
                self._erased(piece, Erasures(set(stopped.erased), set()), stopped.erased)
                report.erased += len(stopped.erased)
            raise
        # The CRM's owners it read (opening hot-lead tasks): the contacts' next hot lead or
        # complaint is routed to them.
        for contact, owner in sorted(outcome.owners.items()):
            self.identities.set_owner(derived.linked.get(contact, []), contact, owner)
        done = settle(derived, planned, outcome.failed)
        if done.retry:  # derived again next run
            self.state.mark_changed(now, contacts=done.retry)
        landing = done.landing._replace(attributed=derived.attributions())
        if self.activities is not None:  # the slice's contacts' activities due, with its cursors
            due = self.activities.due(derived.linked)
            landing = landing._replace(pushed=landing.pushed | due)
        bookmarks = piece.after.bookmarks(self.crm.name)
        self.state.save(landing, list(piece.opportunities), bookmarks)
        if piece.consumed:  # after the cursors moved past the window: it is read no more
            self.state.consumed(*piece.consumed)
        if self.activities is not None:  # before `forget` below: the erased profiles' go first
            report.take(self.activities(derived.linked, piece.forgotten, now))
        if piece.erased or piece.forgotten:
            self._erased(piece, Erasures(set(piece.erased), set(piece.forgotten)), done.erased)
        report.add(derived, planned.push, outcome, piece)

    def _erased(self, piece: Slice, forget: Erasures, done: list[str]) -> None:
        """Nothing kept names the erasures `forget` (the buckets before the open window's are
        gone already); the contacts `done` (the CRM took them) and the identities forgotten are
        no longer pending."""
        if forget.contacts or forget.profiles:
            self.state.forget(forget, piece.after.last_run, self.clock())
            if self.identity_review is not None:  # the fields' review queue names them too
                self.identity_review.forget(forget.contacts, forget.profiles)
            self.state.done(done, forget.profiles)

    def _touched_since(self, last_run: datetime | None, until: datetime) -> set[str]:
        """Contacts whose touches or identity links changed in the window."""
        if last_run is None:
            return set()
        profiles, contacts = self.state.changed_since(last_run, until)
        return set(self.identities.contacts_of(sorted(profiles)).values()) | contacts


def _lease(budget: Budget) -> timedelta:
    """How long a run holds the lease: its invocation's time (the function's timeout, at the
    start) and a margin, past which a run cut off by the timeout frees it."""
    left = budget.remaining()
    return (timedelta(seconds=left) if math.isfinite(left) else UNTIMED) + LEASE_MARGIN


def _unseen(piece: Slice, done: set[str]) -> dict[str, list[str]]:
    return {c: ids for c, ids in piece.decay.items() if c not in done}
