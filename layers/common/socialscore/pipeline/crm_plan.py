"""What a slice pushes, and what crm_sync keeps of what landed: pure, from the records derived
(crm_derive) and the CRM's answer.

A record is pushed when its digest differs from its last successful push's; an opportunity's
breakdown records it no longer has are retired. What landed keeps its digest, its breakdown keys
and what it carries for later runs; a record read again with nothing new to push is kept all the
same when what it carries moved (not to be read again before it is due). A refused retirement is
listed again with its opportunity, so the next run tries again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from socialscore.crm.base import Push
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    OpportunityInfluence,
)
from socialscore.pipeline.crm_carry import Kept
from socialscore.pipeline.crm_derive import Derived
from socialscore.pipeline.crm_records import digest

# record key -> (digest, breakdown keys, what it carries), as the sync state keeps it
Landed = dict[str, tuple[str, list[str], Kept]]


@dataclass(frozen=True)
class Plan:
    push: Push
    digests: dict[str, str]
    fresh: list[str]  # record keys whose content changed since their last push


def plan(derived: Derived, erased: frozenset[str]) -> Plan:
    records, parts, pushed = derived.records, derived.parts, derived.pushed
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
    return Plan(push, digests, fresh)


def landed(derived: Derived, planned: Plan, failed: Mapping[str, str]) -> Landed:
    """What the sync state keeps of the records the CRM took (not those in `failed`); an erased
    contact keeps nothing (crm_sync forgets it: a later link pushes anew)."""
    parts, pushed, carried = derived.parts, derived.pushed, derived.carried
    digests = planned.digests
    kept: Landed = {
        k: (digests[k], parts.get(k, []), carried.get(k, {}))
        for k in planned.fresh
        if k not in failed
    }
    kept |= {
        k: (d, [], c)
        for k, c in carried.items()
        if k in pushed
        and (d := pushed[k]["digest"]) == digests[k]
        and pushed[k].get("kept", {}) != c
    }
    # A contact whose complaint case did not land keeps nothing carried: its touches, where
    # the case is found, are read again the next time it is derived (the stopped slice's redo).
    for c in {c.contact_id for c in planned.push.complaints if c.key in failed}:
        if (key := f"contact#{c}") in kept or key in pushed:
            last = kept[key][0] if key in kept else pushed[key]["digest"]
            kept[key] = (last, [], {})
    for r in planned.push.retired:  # not deleted yet: listed again, so the next run tries again
        owner = f"opportunity#{r.split('|', 1)[0]}"
        if f"retired#{r}" in failed and owner in kept:
            kept[owner][1].append(r)
    return kept


def cases(derived: Derived, kept: Landed) -> dict[str, set[str]]:
    """The complaint cases that landed, by the profile that complained: what an erasure of the
    profile deletes with it."""
    out: dict[str, set[str]] = {}
    for key in kept:
        if isinstance(case := derived.records.get(key), ComplaintCase):
            out.setdefault(case.profile, set()).add(key)
    return out
