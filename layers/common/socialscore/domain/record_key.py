"""What names a record crm_sync takes to the CRM: its kind and its id, one `RecordKey`; what its
last push left (`Pushed`) and what a slice leaves in the sync state (`Landing`); the erasures
still to take to the CRM (`Erasures`).

Every push answers per key (which landed, which the CRM refused and why), and crm_sync keeps,
per key, what its last successful push carried. The text form, `<kind>#<id>`, is how the sync
state stores a key and how a run's log names it; a complaint's key is its case's external id
(`complaint#<profile>#<ledger key>`), so the CRM and the state name a case alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import NamedTuple

from socialscore.domain.attributed import Recorded
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    OpportunityInfluence,
)


class RecordKind(StrEnum):
    CONTACT = "contact"  # a contact's scores, last organic touch and buckets
    OPPORTUNITY = "opportunity"  # an opportunity's headline under the primary model
    INFLUENCE = "influence"  # one breakdown record: opportunity | model | seller or post | id
    RETIRED = "retired"  # a breakdown record to delete
    ERASED = "erased"  # an erased contact's social fields to clear
    HOT = "hot"  # a hot-lead task, one per profile
    COMPLAINT = "complaint"  # a complaint case or ticket, one per act
    ACTIVITY = "activity"  # an act's activity on its contact's record, by interaction id
    ACTIVITIES = "activities"  # (state only) the activities pushed for a profile: their ids


# A record crm_sync derives and pushes (retirements and erasures are pushed by id alone).
Record = ContactScore | OpportunityInfluence | InfluenceRecord | HotLeadTask | ComplaintCase


@dataclass(frozen=True, order=True)
class RecordKey:
    kind: RecordKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}#{self.id}"

    @classmethod
    def parse(cls, text: str) -> RecordKey:
        """The key whose text form is `text`; a ValueError for any other kind."""
        kind, _, name = text.partition("#")
        return cls(RecordKind(kind), name)

    @classmethod
    def of(cls, record: Record) -> RecordKey:
        match record:
            case ContactScore():
                return cls(RecordKind.CONTACT, record.contact_id)
            case OpportunityInfluence():
                return cls(RecordKind.OPPORTUNITY, record.opportunity_id)
            case InfluenceRecord():
                return cls(RecordKind.INFLUENCE, record.key)
            case HotLeadTask():
                return cls(RecordKind.HOT, record.profile)
            case ComplaintCase():
                return cls.parse(record.key)

    @property
    def opportunity(self) -> str | None:
        """The opportunity a headline, a breakdown record or a retirement belongs to (a
        breakdown key starts with its opportunity's id); None for any other kind."""
        if self.kind is RecordKind.OPPORTUNITY:
            return self.id
        if self.kind in (RecordKind.INFLUENCE, RecordKind.RETIRED):
            return owner_of(self.id)
        return None


def owner_of(breakdown_key: str) -> str:
    """The opportunity a breakdown record belongs to (crm_records makes its key
    `<opportunity>|<model>|seller|<id>` or `...|post|<id>`)."""
    return breakdown_key.split("|", 1)[0]


@dataclass(frozen=True)
class Pushed:
    """What a record's last successful push left in the sync state: its digest (crm_records),
    the breakdown record keys an opportunity's headline had then (what a later run retires
    from), and what it keeps for later runs instead of deriving it again (crm_carry:
    attribute -> value, empty for nothing)."""

    digest: str
    parts: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)


class Landing(NamedTuple):
    """What a slice leaves in the sync state: what each record's push left; by profile, the
    records that name it (its complaint cases, its activities' record): what an erasure of the
    profile finds and deletes; and the opportunities it attributed, with the splits it pushed
    (what the leaderboard, posts and the report read: store.opportunities)."""

    pushed: dict[RecordKey, Pushed]
    cases: dict[str, set[RecordKey]]
    attributed: Sequence[Recorded] = ()


class Erasures(NamedTuple):
    contacts: set[str]  # their CRM fields to clear
    profiles: set[str]  # erased identities: nothing kept is to name them


# The key of a record by its id, kind by kind: rk.contact("003..."), rk.hot("x#123").
contact = partial(RecordKey, RecordKind.CONTACT)  # a contact id
opportunity = partial(RecordKey, RecordKind.OPPORTUNITY)  # an opportunity id
influence = partial(RecordKey, RecordKind.INFLUENCE)  # a breakdown record's key
retired = partial(RecordKey, RecordKind.RETIRED)  # a breakdown record's key
erased = partial(RecordKey, RecordKind.ERASED)  # a contact id
hot = partial(RecordKey, RecordKind.HOT)  # a profile (network#user id)
activity = partial(RecordKey, RecordKind.ACTIVITY)  # an interaction id
activities = partial(RecordKey, RecordKind.ACTIVITIES)  # a profile (network#user id)
