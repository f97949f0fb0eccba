"""crm_sync stopped at every call of a run, on HubSpot's and Salesforce's stubs through the real
adapters over HTTP (refused, the daily limit spent, or applied with its answer lost), with
crm_sync's stores in memory (socialscore_local.memory): a world with a hot lead and two
complaints (one of them the hot lead's), in slices of a few records so a stop falls in every
kind of slice and call. The runs that follow end in exactly one clean run's CRM state: one task,
one case or ticket per complaint, no record duplicated or lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import urllib3

from socialscore.crm.base import CrmStopped
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.domain.opportunity import Opportunity
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.pipeline.crm_work import SliceSize
from socialscore.pipeline.ports import Crm
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from socialscore_local.hubspot_setup import setup
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.crm_reads import MemoryIdentities, MemoryLedger, MemoryScores, share
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.test_crm_convergence import DEAL_IDS, sf_state, state
from tests.unit.test_crm_sync_slices import DAY0, MODEL, complaint

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
    with SalesforceStub(sleep=lambda seconds: None) as sf:  # its token latency: no wait
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
