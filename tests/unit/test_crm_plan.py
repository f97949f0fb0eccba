"""crm_sync's plan and settle, pure and property-tested: whatever the CRM refuses or loses the
answer of, run after run, while the records change under it, one clean run after leaves the CRM
holding exactly the records derived last (every stale breakdown record retired, each task and
case opened once), and a run after that pushes nothing. Each run derives (here: drawn), plans,
pushes to a CRM in memory, settles and keeps what settle keeps, as crm_sync does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.crm.base import Push
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    Opportunity,
    OpportunityInfluence,
)
from socialscore.domain.record_key import Pushed, Record, RecordKey, RecordKind
from socialscore.pipeline.crm_derive import Derived
from socialscore.pipeline.crm_plan import Landed, plan, settle

AT = datetime(2026, 11, 20, tzinfo=UTC)
CONTACTS = ("c1", "c2")
OPPORTUNITIES = {"o1": ["c1"], "o2": ["c1", "c2"]}
SELLERS = ("s1", "s2", "s3")
PROFILES = {"x#1": "c1", "x#2": "c2"}


def breakdown(opp: str, seller: str, amount: int) -> InfluenceRecord:
    return InfluenceRecord(
        key=f"{opp}|linear|seller|{seller}",
        opportunity_id=opp,
        model="linear",
        seller_id=seller,
        amount=Decimal(amount),
        currency="USD",
        touches=1,
    )


def case(profile: str, n: int) -> ComplaintCase:
    return ComplaintCase(
        key=f"complaint#{profile}#i#{n}",
        contact_id=PROFILES[profile],
        profile=profile,
        interaction_id=str(n),
        network="x",
        kind="comment",
        post=None,
        seller_id=None,
        permalink=None,
        phrases=["refund"],
        occurred_at=AT,
    )


# Built once, drawn from in every example (a strategy built inside the draw is built and
# checked anew each time: most of this file's time, for the same draws).
ORGANIC = st.sampled_from([0.0, 1.5, 7.0])
SOME_SELLERS = st.sets(st.sampled_from(SELLERS))
AMOUNT = st.integers(1, 3)
SOME_PROFILES = st.sets(st.sampled_from(sorted(PROFILES)))
SOME_ACTS = st.sets(st.tuples(st.sampled_from(sorted(PROFILES)), st.integers(1, 2)))


@st.composite
def derivations(draw: st.DrawFn) -> dict[RecordKey, Record]:
    """What one run derives: every contact's score, every opportunity's headline and its
    breakdown over some sellers, a task for some profiles, a case for some acts."""
    records: list[Record] = [
        ContactScore(
            contact_id=c,
            organic_score=draw(ORGANIC),
            paid_score=0.0,
            model_version="1",
        )
        for c in CONTACTS
    ]
    for opp in OPPORTUNITIES:
        sellers = draw(SOME_SELLERS)
        amounts = {s: draw(AMOUNT) for s in sorted(sellers)}
        records.append(
            OpportunityInfluence(
                opportunity_id=opp,
                currency="USD",
                attributed_amount=Decimal(sum(amounts.values())),
                attribution_model="linear",
                touches=len(amounts),
                by_seller={s: Decimal(a) for s, a in amounts.items()},
                by_post={},
                by_network={},
            )
        )
        records += [breakdown(opp, s, a) for s, a in amounts.items()]
    for profile in draw(SOME_PROFILES):
        records.append(
            HotLeadTask(profile=profile, contact_id=PROFILES[profile], organic_score=9, threshold=5)
        )
    for profile, n in draw(SOME_ACTS):
        records.append(case(profile, n))
    return {RecordKey.of(r): r for r in records}


def derived(records: dict[RecordKey, Record], state: Landed) -> Derived:
    """As crm_derive reads it: the parts each headline has now, what the state keeps of the
    records derived."""
    parts = {
        rk.opportunity(o): sorted(
            r.key
            for r in records.values()
            if isinstance(r, InfluenceRecord) and r.opportunity_id == o
        )
        for o in OPPORTUNITIES
    }
    known = {
        o: Opportunity(
            id=o, contact_ids=c, currency="USD", amount=Decimal(9), created_at=AT, modified_at=AT
        )
        for o, c in OPPORTUNITIES.items()
    }
    linked = {c: [p for p, pc in PROFILES.items() if pc == c] for c in CONTACTS}
    pushed = {k: state[k] for k in records if k in state}
    return Derived(dict(records), parts, pushed, {}, known, linked)


@dataclass
class Crm:
    """What the CRM holds by key; refuses the keys it is told to, or writes them and loses the
    answer."""

    held: dict[RecordKey, Any] = field(default_factory=dict)
    opened: dict[RecordKey, int] = field(default_factory=dict)  # tasks and cases: times opened

    def push(self, push: Push, refused: set[int], lost: set[int]) -> dict[RecordKey, str]:
        every: list[Record] = [
            *push.scores,
            *push.influences,
            *push.records,
            *push.hot_leads,
            *push.complaints,
        ]
        records = {RecordKey.of(r): r for r in every}
        failed: dict[RecordKey, str] = {}
        for n, key in enumerate(push.keys()):
            if n in refused:
                failed[key] = "REFUSED"
                continue
            if key.kind is RecordKind.RETIRED:
                self.held.pop(rk.influence(key.id), None)
            elif key.kind in (RecordKind.HOT, RecordKind.COMPLAINT):
                if key not in self.opened:  # found by its key before it is opened
                    self.opened[key] = 1
                    self.held[key] = records[key].model_dump(mode="json")
            else:
                self.held[key] = records[key].model_dump(mode="json")
            if n in lost:
                failed[key] = "answer_lost"
        return failed


def run(
    records: dict[RecordKey, Record], state: Landed, crm: Crm, refused: set[int], lost: set[int]
) -> Push:
    d = derived(records, state)
    planned = plan(d, frozenset())
    failed = crm.push(planned.push, refused, lost) if planned.push else {}
    state |= settle(d, planned, failed).landing.pushed
    return planned.push


faults = st.sets(st.integers(0, 20), max_size=6)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(derivations(), faults, faults), min_size=1, max_size=5))
def test_runs_with_any_faults_converge_to_the_last_derivation(
    runs: list[tuple[dict[RecordKey, Record], set[int], set[int]]],
) -> None:
    state: Landed = {}
    crm = Crm()
    for records, refused, lost in runs:
        run(records, state, crm, refused, lost)
    last = runs[-1][0]
    run(last, state, crm, set(), set())  # one clean run

    written = {
        k: r.model_dump(mode="json")
        for k, r in last.items()
        if k.kind not in (RecordKind.HOT, RecordKind.COMPLAINT)
    }
    assert {
        k: v for k, v in crm.held.items() if k.kind not in (RecordKind.HOT, RecordKind.COMPLAINT)
    } == written
    assert all(n == 1 for n in crm.opened.values())  # never opened twice
    assert {
        k for k in last if k.kind in (RecordKind.HOT, RecordKind.COMPLAINT)
    } <= crm.opened.keys()
    assert not run(last, state, crm, set(), set())  # and the next run has nothing to push


@settings(max_examples=100, deadline=None)
@given(derivations(), derivations(), faults)
def test_a_plan_pushes_what_changed_and_settle_keeps_what_landed(
    before: dict[RecordKey, Record], now: dict[RecordKey, Record], refused: set[int]
) -> None:
    state: Landed = {}
    run(before, state, Crm(), set(), set())
    d = derived(now, state)
    planned = plan(d, frozenset())

    changed = {k for k in now if k not in state or state[k].digest != planned.digests[k]}
    assert set(planned.fresh) == changed
    keys = planned.push.keys()
    pushed = [k for k in keys if k.kind is not RecordKind.RETIRED]
    assert sorted(pushed) == sorted(changed)
    gone = {r.key for r in before.values() if isinstance(r, InfluenceRecord)}
    gone -= {r.key for r in now.values() if isinstance(r, InfluenceRecord)}
    assert set(planned.push.retired) == gone

    failed = {k: "REFUSED" for n, k in enumerate(keys) if n in refused}
    kept = settle(d, planned, failed).landing.pushed
    assert not {
        k for k in kept if k in failed and k in changed and kept[k].digest == planned.digests[k]
    }
    assert {k for k in changed if k not in failed} <= kept.keys()
    for r in planned.push.retired:  # a refused retirement is listed again with its opportunity
        owner = rk.opportunity(rk.owner_of(r))
        if rk.retired(r) in failed and owner in kept:
            assert r in kept[owner].parts


def test_a_record_key_reads_back_from_its_text() -> None:
    keys = [rk.contact("003"), rk.retired("006|linear|post|x#1"), RecordKey.of(case("x#1", 1))]
    assert [RecordKey.parse(str(k)) for k in keys] == keys
    assert str(keys[2]) == "complaint#x#1#i#1"  # the case's external id, as the CRM holds it
    assert keys[1].opportunity == "006"
    assert Pushed("d").parts == []
