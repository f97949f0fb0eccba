"""What crosses the CRM port (pipeline.ports.Crm): opportunities in; contact scores, social
influence, erasures, hot-lead tasks and complaint cases out.

Every record a push carries has a key (`Push.keys`, a RecordKey), tracked call after call by the
adapter (`Tracker`); an adapter answers which keys it could not
write and why (`PushOutcome.failed`: a record-level error, logged, the others go on), or stops
the run with `CrmStopped` (a daily limit, the CRM unavailable): then crm_sync keeps its
checkpoint and the digests of everything not written, and the next run converges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC

from socialscore.aws.logs import logger
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    OpportunityInfluence,
)
from socialscore.domain.record_key import Record, RecordKey


@dataclass(frozen=True)
class Push:
    scores: Sequence[ContactScore] = ()
    influences: Sequence[OpportunityInfluence] = ()  # the headline, on the opportunity
    records: Sequence[InfluenceRecord] = ()  # the breakdown, one record per seller / post
    retired: Sequence[str] = ()  # breakdown record keys that no longer apply: delete them
    erased: Sequence[str] = ()  # contact ids whose social fields are cleared
    hot_leads: Sequence[HotLeadTask] = ()
    complaints: Sequence[ComplaintCase] = ()  # a case (Salesforce) or ticket (HubSpot) each

    def keys(self) -> list[RecordKey]:
        written: list[Record] = [*self.scores, *self.influences, *self.records]
        opened: list[Record] = [*self.hot_leads, *self.complaints]
        return [
            *map(RecordKey.of, written),
            *map(rk.retired, self.retired),
            *map(rk.erased, self.erased),
            *map(RecordKey.of, opened),
        ]

    def __bool__(self) -> bool:
        return bool(self.keys())


def complaint_text(case: ComplaintCase) -> tuple[str, str]:
    """(subject, description) of a complaint's case or ticket: ids, a link made from ids, the
    phrases and the seller, for a person to act on; never the words, never a handle."""
    phrases = ", ".join(case.phrases)
    at = case.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    description = "\n".join(
        [
            f"A {case.kind} on {case.network} hit the complaint phrases: {phrases}.",
            f"Their post: {case.permalink or 'no link (ask the social team)'}",
            f"In answer to: {case.post or 'an account'}, "
            f"seller {case.seller_id or 'none registered'}.",
            f"Social profile {case.profile}, interaction {case.interaction_id}, at {at}.",
            "Opened by socialscore, once per act; the words themselves are never kept.",
        ]
    )
    return f"Social complaint: {phrases}", description


@dataclass(frozen=True)
class PushOutcome:
    failed: Mapping[RecordKey, str] = field(default_factory=dict)  # key -> the CRM's reason
    calls: int = 0  # CRM API calls the push made
    # contact id -> its owner in the CRM, where the push read one (opening a hot-lead task):
    # crm_sync keeps it with the contact's links, for routing the contact's next events.
    owners: Mapping[str, str] = field(default_factory=dict)


class Tracker:
    """Where each key of a push stands, call after call, whatever API answered for it (a batch,
    a Bulk job's results, a lookup): written once the CRM confirmed it, failed with the CRM's
    reason. A failure stands (a later confirmation of the same key does not undo it), and every
    key not confirmed is failed in the outcome, also when the run stopped: crm_sync then pushes
    it again, and nothing is ever taken for landed without the CRM's word."""

    def __init__(self, keys: Iterable[RecordKey]) -> None:
        self.keys = list(dict.fromkeys(keys))
        self.written: set[RecordKey] = set()
        self.failed: dict[RecordKey, str] = {}
        # contact id -> its CRM owner, where the push read one (opening a hot-lead task)
        self.owners: dict[str, str] = {}

    def ok(self, keys: Iterable[RecordKey]) -> None:
        self.written.update(k for k in keys if k not in self.failed)

    def reopen(self, keys: Iterable[RecordKey]) -> None:
        """Written so far, but a later step is still owed (an association, a GDPR delete): a
        run stopped before it must report them unwritten, or the step would never be done."""
        self.written.difference_update(keys)

    def fail(self, keys: Iterable[RecordKey], reason: str) -> None:
        for key in keys:
            self.failed[key] = reason
            self.written.discard(key)

    def outcome(self, calls: int, unwritten: str = "not_confirmed") -> PushOutcome:
        """`unwritten`: the reason given for every key neither written nor failed."""
        done = self.written | self.failed.keys()
        failed = self.failed | {k: unwritten for k in self.keys if k not in done}
        return PushOutcome(failed=failed, calls=calls, owners=dict(self.owners))

    def through(self, work: Callable[[], None], spent: Callable[[], int]) -> PushOutcome:
        """`work`'s outcome; `spent`: the calls the push has made so far. A stop (CrmStopped)
        carries what landed before it, every other key failed `stopped:<reason>`."""
        try:
            work()
        except CrmStopped as stopped:
            outcome = self.outcome(spent(), unwritten=f"stopped:{stopped.reason}")
            raise CrmStopped(stopped.reason, outcome) from None
        return self.outcome(spent())

    def log(self, what: str, outcome: PushOutcome, **usage: int | None) -> None:
        """A push's counts (never a record), with the CRM's own usage figures beside them."""
        counts: dict[str, int | None] = {
            "records": len(self.keys),
            "failed": len(outcome.failed),
            "calls": outcome.calls,
        }
        logger().info(what, extra=counts | usage)


# A CrmStopped's reason when the run's time, not the CRM, ended the push (a Salesforce Bulk job
# that could not finish before the run's budget): crm_sync saves what landed and ends the run
# as one out of time, for the next run to resume.
OUT_OF_TIME = "out_of_time"


class CrmStopped(Exception):
    """The CRM refused the rest of the run (daily limit, unavailable), or the run's time ran out
    (`OUT_OF_TIME`): nothing after `outcome` was written."""

    def __init__(self, reason: str, outcome: PushOutcome | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome or PushOutcome()
