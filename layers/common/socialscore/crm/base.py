"""The CRM interface: opportunities in; contact scores, social influence, erasures, hot-lead
tasks and complaint cases out.

Every record a push carries has a key (`Push.keys`); an adapter answers which keys it could not
write and why (`PushOutcome.failed`: a record-level error, logged, the others go on), or stops
the run with `CrmStopped` (a daily limit, the CRM unavailable): then crm_sync keeps its
checkpoint and the digests of everything not written, and the next run converges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    Opportunity,
    OpportunityInfluence,
)


@dataclass(frozen=True)
class Push:
    scores: Sequence[ContactScore] = ()
    influences: Sequence[OpportunityInfluence] = ()  # the headline, on the opportunity
    records: Sequence[InfluenceRecord] = ()  # the breakdown, one record per seller / post
    retired: Sequence[str] = ()  # breakdown record keys that no longer apply: delete them
    erased: Sequence[str] = ()  # contact ids whose social fields are cleared
    hot_leads: Sequence[HotLeadTask] = ()
    complaints: Sequence[ComplaintCase] = ()  # a case (Salesforce) or ticket (HubSpot) each

    def keys(self) -> list[str]:
        return [
            *(f"contact#{s.contact_id}" for s in self.scores),
            *(f"opportunity#{i.opportunity_id}" for i in self.influences),
            *(f"influence#{r.key}" for r in self.records),
            *(f"retired#{key}" for key in self.retired),
            *(f"erased#{contact}" for contact in self.erased),
            *(f"hot#{task.profile}" for task in self.hot_leads),
            *(case.key for case in self.complaints),  # complaint#...
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
    failed: Mapping[str, str] = field(default_factory=dict)  # record key -> the CRM's reason
    calls: int = 0  # CRM API calls the push made
    # contact id -> its owner in the CRM, where the push read one (opening a hot-lead task):
    # crm_sync keeps it with the contact's links, for routing the contact's next events.
    owners: Mapping[str, str] = field(default_factory=dict)


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


class Crm(Protocol):
    name: str

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        """Opportunities modified at or after `since` (all when None), with their contacts:
        inclusive, so one that shares the checkpoint's time but showed up late is not missed
        (digests absorb repeats). Raises CrmStopped."""
        ...

    def push(self, push: Push) -> PushOutcome:
        """Upsert by external id, delete the retired records, clear the erased contacts' fields,
        open the hot-lead tasks and the complaint cases (each once, whatever was pushed
        before). Raises CrmStopped."""
        ...
