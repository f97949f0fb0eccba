"""crm_sync against a CRM that stops it at any call of a run (refused, its daily limit spent, or
applied with its answer lost): the re-runs end in exactly the CRM state one clean run gives, with
no duplicate record, hot-lead task, case or ticket and no lost update.

- Every stop point, on HubSpot's and Salesforce's stubs through the real adapters over HTTP,
  with crm_sync's stores in memory (socialscore_local.crm_memory): a world with a hot lead and
  two complaints (one of them the hot lead's), in slices of a few records, so a stop falls in
  every kind of slice and call.
- A stop half-way through a run on the local runtime, the real handler and its DynamoDB tables.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import urllib3

from socialscore.crm.base import Crm, CrmStopped
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.domain.interaction import Category
from socialscore.domain.opportunity import Opportunity
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.pipeline.crm_work import SliceSize
from socialscore_local.crm_memory import (
    Clock,
    MemoryIdentities,
    MemoryLedger,
    MemoryScores,
    MemorySyncState,
    Requests,
)
from socialscore_local.crm_memory_crm import share
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from socialscore_local.hubspot_setup import setup
from tests.integration.support import OPPORTUNITIES, Stack, running, write_demo_dir
from tests.integration.test_crm_sync_handler import expected_score, seed_touches
from tests.unit.test_crm_sync_slices import DAY0, MODEL, complaint

FN = "CrmSyncFunction"
AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
CRM_OWN = {"createdate", "lastmodifieddate"}  # HubSpot's own times, not ours
CONTACTS = ("501", "502")  # HubSpot's ids are numbers
DEAL_IDS = ("9001", "9002")
DEALS = [o | {"id": DEAL_IDS[n], "contact_ids": [CONTACTS[n]]} for n, o in enumerate(OPPORTUNITIES)]


@contextmanager
def hubspot_stack(tmp_path: Path, stub: HubSpotStub) -> Iterator[Stack]:
    stub.seed(deals=DEALS, contacts=[{"id": CONTACTS[0], "owner": "77"}, {"id": CONTACTS[1]}])
    demo_dir = write_demo_dir(tmp_path / "demo")
    with running(
        tmp_path / "work", demo_dir, CRM_ADAPTER="hubspot", HUBSPOT_BASE_URL=stub.url
    ) as stack:
        secrets = stack.rt.client("secretsmanager")
        arn = stack.rt.physical["CrmCredentials"]["Ref"]
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"token": stub.token}))
        setup(HubSpotCrm(lambda refresh: stub.token, stub.url))
        seed_touches(stack, CONTACTS)
        yield stack
    shutil.rmtree(tmp_path / "work", ignore_errors=True)


def state(
    stub: HubSpotStub,
    contacts: Sequence[str] = CONTACTS,
    deals: Sequence[str] = DEAL_IDS,
) -> dict[str, Any]:
    """What marketing ops see in the CRM, without the CRM's own ids and times; the tasks one
    entry each."""
    return {
        "contacts": {c: _ours(stub.contact(c)) for c in contacts},
        "deals": {d: _ours(stub.deal(d)) for d in deals},
        "influence": {
            key: {k: v for k, v in r.items() if k not in CRM_OWN and not k.startswith("hs_")}
            for key, r in stub.influence().items()
        },
        "tasks": sorted(
            (t.get("socialscore_hot_lead_key"), tuple(t["_contacts"])) for t in stub.tasks()
        ),
    }


def _ours(record: dict[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (record or {}).items() if k.startswith("socialscore_")}


def clean_run(tmp_path: Path) -> tuple[dict[str, Any], int]:
    with HubSpotStub() as stub, hubspot_stack(tmp_path / "clean", stub) as stack:
        stub.calls.clear()
        report = stack.rt.run_schedule(FN, at=AS_OF)
        assert report["failed"] == 0
        return state(stub), len(stub.calls)


def test_a_hubspot_run_stopped_half_way_through_the_handler_converges(tmp_path: Path) -> None:
    landed, calls = clean_run(tmp_path)
    organic = float(landed["contacts"]["501"]["socialscore_organic_score"])
    assert organic == pytest.approx(expected_score("C-1", Category.ORGANIC, AS_OF), abs=0.011)
    assert landed["contacts"]["501"]["socialscore_last_organic_touch"] == "2026-11-12T12:00:00.000Z"
    assert float(landed["deals"]["9001"]["socialscore_attributed_amount"]) == 1000
    assert {k.split("|")[0] for k in landed["influence"]} == {"9001", "9002"}
    assert calls > 3
    with HubSpotStub() as stub, hubspot_stack(tmp_path / "stopped", stub) as stack:
        stub.calls.clear()
        stub.fail_next(status=502, times=3, after=calls // 2)  # bounded retries, then CrmStopped
        with pytest.raises(CrmStopped):
            stack.rt.run_schedule(FN, at=AS_OF)
        assert stack.rt.run_schedule(FN, at=AS_OF)["failed"] == 0  # the next slot
        assert state(stub) == landed


# --- Salesforce ---------------------------------------------------------------------------------
def sf_state(sf: SalesforceStub, contacts: Sequence[str] = ("C-1", "C-2")) -> dict[str, Any]:
    """What marketing ops see in Salesforce: our fields on Contact and Opportunity, the influence
    records by key, the hot-lead tasks and complaint cases, one entry each (Salesforce's own ids
    and stamps left out)."""

    def ours(record: dict[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (record or {}).items() if k.startswith("Social_")}

    return {
        "contacts": {c: ours(sf.contact(c)) for c in contacts},
        "opportunities": {o["Id"]: ours(o) for o in sf.records("Opportunity")},
        "influence": {
            key: {k: v for k, v in r.items() if k.endswith("__c")}
            for key, r in sf.influence().items()
        },
        "tasks": sorted(
            (str(t.get("Social_Hot_Lead_Key__c")), str(t.get("WhoId"))) for t in sf.tasks()
        ),
        "cases": sorted(
            (str(c.get("Social_Complaint_Key__c")), str(c.get("ContactId"))) for c in sf.cases()
        ),
    }


def test_a_salesforce_run_stopped_half_way_through_the_handler_converges(tmp_path: Path) -> None:
    # Imported here: that module imports hubspot_stack from this one.
    from tests.integration.test_crm_last_touch import salesforce_stack

    with SalesforceStub() as sf, salesforce_stack(tmp_path / "clean", sf) as stack:
        before = sf.api_used
        assert stack.rt.run_schedule(FN, at=AS_OF)["failed"] == 0
        expected, calls = sf_state(sf), sf.api_used - before
    assert calls > 3
    assert expected["contacts"]["C-1"]
    for fault in ("limit", "answer lost"):
        with SalesforceStub() as sf, salesforce_stack(tmp_path / fault, sf) as stack:
            if fault == "limit":
                sf.api_limit = sf.api_used + calls // 2  # REQUEST_LIMIT_EXCEEDED from then on
            else:
                sf.lose_next_answer(after=calls // 2)  # applied, its answer never came
            for _ in range(3):  # the run, then the scheduler's retries or the next slots
                with suppress(CrmStopped):
                    if stack.rt.run_schedule(FN, at=AS_OF)["failed"] == 0:
                        break
                sf.api_limit = 15_000  # the next day
            assert sf_state(sf) == expected, fault


# --- every stop point: the real adapters over HTTP, crm_sync's stores in memory ---------------
HOT = ("x#0",)  # the score stage found it hot: a task
COMPLAINING = ("x#0", "x#2")  # a complaint each: a case or ticket
SIZE = SliceSize(contacts=2, opportunities=1)  # a few records a slice: stops fall everywhere


def memory_sync(crm: Crm, contacts: Sequence[str]) -> CrmSync:
    """crm_sync with its stores in memory: contact n linked to identity x#n, each with a share
    (x#3 none: scored zero), the hot lead and the complaints above."""
    requests = Requests(Clock())
    links = {c: [f"x#{n}"] for n, c in enumerate(contacts)}
    ledger = {
        f"x#{n}": [share(f"x#{n}", n, DAY0 - timedelta(days=1 + n), f"s-{n % 2}", MODEL)]
        for n in range(len(contacts) - 1)
    }
    for profile in COMPLAINING:
        ledger[profile].append(complaint(profile))

    def units(profile: str) -> Decimal | None:
        found = ledger.get(profile)
        return sum((t.units for t in found), Decimal(0)) if found else None

    return CrmSync(
        crm,
        MemoryIdentities(requests, links),
        MemoryLedger(requests, lambda p: ledger.get(p, [])),
        MemoryScores(requests, units, set(HOT)),
        MemorySyncState(requests),
        MODEL,
        clock=lambda: DAY0,
        size=SIZE,
    )


def opportunities(contacts: Sequence[str]) -> list[Opportunity]:
    return [
        Opportunity(
            id=opp_id,
            contact_ids=list(mine),
            amount=Decimal(amount),
            currency="USD",
            created_at=DAY0 - timedelta(days=3),
            modified_at=DAY0 - timedelta(hours=n + 1),
        )
        for n, (opp_id, mine, amount) in enumerate(
            [
                (f"{OPP_PREFIX}1", contacts[:1], "1000.00"),
                (f"{OPP_PREFIX}2", contacts[1:3], "250.00"),
            ]
        )
    ]


@dataclass
class World:
    held: Callable[[], dict[str, Any]]  # what the CRM holds, as marketing ops see it
    sync: CrmSync
    # arm(fault, n): the fault at the CRM's call n from now; returns what lifts it (a new day)
    arm: Callable[[str, int], Callable[[], None]]
    calls: Callable[[], int]  # API calls the stub answered so far


OPP_PREFIX = "006000000000000"
SF_CONTACTS = [f"003{n:015d}" for n in range(1, 5)]
HS_CONTACTS = [str(601 + n) for n in range(4)]


@contextmanager
def salesforce_world() -> Iterator[World]:
    with SalesforceStub() as sf:
        sf.seed(opportunities(SF_CONTACTS), [{"id": SF_CONTACTS[3]}])
        crm = SalesforceCrm(
            lambda refresh: sf.credentials,
            sf.api_version,
            pool=urllib3.PoolManager(retries=False),
            sleep=lambda seconds: None,
        )

        def fault(kind: str, after: int) -> Callable[[], None]:
            """Arm the fault; returns what lifts it for the next runs (a new day's limit)."""
            if kind == "refused":
                sf.fail_next(status=503, times=3, after=after)  # retried, then CrmStopped
            elif kind == "limit":
                sf.api_limit = sf.api_used + after  # REQUEST_LIMIT_EXCEEDED from then on
            else:
                sf.lose_next_answer(after=after)

            def lift() -> None:
                sf.api_limit = 15_000

            return lift

        def held() -> dict[str, Any]:
            return sf_state(sf, SF_CONTACTS)

        yield World(held, memory_sync(crm, SF_CONTACTS), fault, lambda: len(sf.calls))


@contextmanager
def hubspot_world() -> Iterator[World]:
    with HubSpotStub() as stub:
        deals = [o.model_dump(mode="json") for o in opportunities(HS_CONTACTS)]
        for deal, deal_id in zip(deals, DEAL_IDS, strict=True):
            deal["id"] = deal_id
        stub.seed(deals=deals, contacts=[{"id": c, "owner": "77"} for c in HS_CONTACTS])
        crm = HubSpotCrm(lambda refresh: stub.token, stub.url, sleep=lambda seconds: None)
        setup(crm)
        stub.calls.clear()

        def fault(kind: str, after: int) -> Callable[[], None]:
            if kind == "refused":
                stub.fail_next(status=502, times=3, after=after)  # retried, then CrmStopped
            elif kind == "limit":
                stub.exhaust_daily(after=after)  # 429 DAILY
            else:
                stub.lose_answer_next(after=after)
            return stub.new_day

        def held() -> dict[str, Any]:
            return state(stub, HS_CONTACTS) | {
                "tickets": sorted(
                    (t.get("socialscore_complaint_key"), tuple(t["_contacts"]))
                    for t in stub.tickets()
                )
            }

        yield World(held, memory_sync(crm, HS_CONTACTS), fault, lambda: len(stub.calls))


WORLDS = {"salesforce": salesforce_world, "hubspot": hubspot_world}


def converge(sync: CrmSync) -> None:
    """The runs after a stop (the scheduler's retries, the next slots) until one is clean."""
    for _ in range(6):
        with suppress(CrmStopped):
            report = sync.run(DAY0)
            if report.complete and not report.failed:
                return
    raise AssertionError("no clean run after the stop")


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_run_stopped_at_any_call_converges_with_one_task_case_and_ticket_each(crm: str) -> None:
    with WORLDS[crm]() as clean:
        report = clean.sync.run(DAY0)
        assert (report.hot_leads, report.complaints, len(report.failed)) == (1, 2, 0)
        assert report.slices > 3
        expected, calls = clean.held(), clean.calls()
    opened = expected.get("tickets") or expected["cases"]
    assert len(expected["tasks"]) == 1
    assert len(opened) == 2
    stopped = 0
    for fault in ("refused", "limit", "answer lost"):
        for n in range(calls):
            with WORLDS[crm]() as w:
                lift = w.arm(fault, n)
                try:
                    w.sync.run(DAY0)
                except CrmStopped:
                    stopped += 1
                lift()
                converge(w.sync)
                assert w.held() == expected, f"{fault} at call {n}"
    assert stopped >= 2 * calls - 4  # refused or limited at (nearly) every call: runs stopped
