"""What a slice pushes (`plan`), and what crm_sync keeps of the CRM's answer (`settle`): pure,
from the records derived (crm_derive) and the CRM's answer; crm_sync only reads, pushes and
saves.

A record is pushed when its digest differs from its last successful push's; an opportunity's
breakdown records it no longer has are retired. What landed keeps its digest, its breakdown keys
and what it carries for later runs; a record read again with nothing new to push is kept all the
same when what it carries moved (not to be read again before it is due). A refused retirement is
listed again with its opportunity, so the next run tries again; a record the CRM refused marks
the contacts it came from changed, so the next run derives it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from socialscore.crm.base import Push
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    OpportunityInfluence,
)
from socialscore.domain.record_key import Landing, Pushed, RecordKey
from socialscore.pipeline.crm_derive import Derived
from socialscore.pipeline.crm_records import digest

# record key -> what the sync state keeps of its push
Landed = dict[RecordKey, Pushed]
# The digest of a record whose content in the CRM is not known (no record's digest is empty).
UNKNOWN = ""


@dataclass(frozen=True)
class Plan:
    push: Push
    digests: dict[RecordKey, str]
    fresh: list[RecordKey]  # records whose content changed since their last push


@dataclass(frozen=True)
class Settled:
    landing: Landing  # what the sync state keeps of what landed
    retry: set[str]  # contacts whose refused records the next run derives again
    erased: list[str]  # erased contacts whose fields the CRM cleared


def plan(derived: Derived, erased: frozenset[str]) -> Plan:
    records, parts, pushed = derived.records, derived.parts, derived.pushed
    digests = {k: digest(r, parts.get(k, [])) for k, r in records.items()}
    fresh = [k for k, d in digests.items() if k not in pushed or pushed[k].digest != d]
    retired = sorted(
        {r for k in parts if k in pushed for r in pushed[k].parts}
        - {r for keys in parts.values() for r in keys}
    )
    chosen = [records[k] for k in fresh]
    push = Push(
        scores=[r for r in chosen if isinstance(r, ContactScore)],
        influences=[r for r in chosen if isinstance(r, OpportunityInfluence)],
        records=[r for r in chosen if isinstance(r, InfluenceRecord)],
        retired=retired,
        erased=sorted(erased),
        hot_leads=[r for r in chosen if isinstance(r, HotLeadTask)],
        complaints=[r for r in chosen if isinstance(r, ComplaintCase)],
    )
    return Plan(push, digests, fresh)


def settle(derived: Derived, planned: Plan, failed: Mapping[RecordKey, str]) -> Settled:
    """What the sync state keeps once the CRM answered, `failed` naming what it did not take."""
    kept = landed(derived, planned, failed)
    cases: dict[str, set[RecordKey]] = {}
    for key in kept:
        if isinstance(case := derived.records.get(key), ComplaintCase):
            cases.setdefault(case.profile, set()).add(key)
    erased = [c for c in planned.push.erased if rk.erased(c) not in failed]
    return Settled(Landing(kept, cases), _retry(derived, failed), erased)


def landed(derived: Derived, planned: Plan, failed: Mapping[RecordKey, str]) -> Landed:
    """What the sync state keeps of the records the CRM took (not those in `failed`); an erased
    contact keeps nothing (crm_sync forgets it: a later link pushes anew)."""
    parts, pushed, carried = derived.parts, derived.pushed, derived.carried
    digests = planned.digests
    kept: Landed = {}
    for k in planned.fresh:
        if k in parts:  # a headline: _headlines
            continue
        if k not in failed:
            kept[k] = Pushed(digests[k], [], dict(carried.get(k, {})))
        elif (last := pushed.get(k)) is not None:
            # Refused, or written with its answer lost: the CRM may hold either content, so the
            # next run pushes it whatever it derives (it may derive the last content again).
            kept[k] = Pushed(UNKNOWN, [], dict(last.kept))
    kept |= {
        k: Pushed(last.digest, [], dict(c))
        for k, c in carried.items()
        if (last := pushed.get(k)) is not None and last.digest == digests[k] and last.kept != c
    }
    # A contact whose complaint case did not land keeps nothing carried: its touches, where
    # the case is found, are read again the next time it is derived (the stopped slice's redo).
    for c in {c.contact_id for c in planned.push.complaints if RecordKey.of(c) in failed}:
        key = rk.contact(c)
        if (last := kept.get(key) or pushed.get(key)) is not None:
            kept[key] = Pushed(last.digest)
    # A breakdown record deleted (or maybe deleted: the answer lost) is no longer what its last
    # push left: were it to come back as it was, it is pushed again.
    kept |= {rk.influence(r): Pushed(UNKNOWN) for r in planned.push.retired}
    return kept | _headlines(derived, planned, failed)


def _headlines(derived: Derived, planned: Plan, failed: Mapping[RecordKey, str]) -> Landed:
    """Each opportunity's headline, with the breakdown records the CRM may hold once the push
    is done: those it has now (one refused may have been written all the same, its answer
    lost), and those it had that were to be retired and were not. A later run retires any of
    them the opportunity no longer has, whether or not its headline landed."""
    gone = {r for r in planned.push.retired if rk.retired(r) not in failed}
    kept: Landed = {}
    for key, now in derived.parts.items():
        last = derived.pushed.get(key)
        held = sorted((set(last.parts if last else ()) - gone) | set(now))
        if key in planned.fresh and key not in failed:
            kept[key] = Pushed(planned.digests[key], held)
        elif key in planned.fresh:  # as any record refused: pushed next run whatever it is
            kept[key] = Pushed(UNKNOWN, held, dict(last.kept) if last else {})
        elif last is not None and set(held) != set(last.parts):  # order aside (older states)
            kept[key] = Pushed(last.digest, held, dict(last.kept))
    return kept


def _retry(derived: Derived, failed: Mapping[RecordKey, str]) -> set[str]:
    """The contacts a refused record came from: a contact's own, or its opportunity's."""
    contacts: set[str] = set()
    for key in failed:
        record = derived.records.get(key)
        if isinstance(record, ContactScore | HotLeadTask | ComplaintCase):
            contacts.add(record.contact_id)
        elif (opp := key.opportunity) is not None and opp in derived.known:
            contacts |= set(derived.known[opp].contact_ids)
    return contacts
