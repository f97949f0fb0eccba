"""crm_sync against a CRM that stops it at any call of a run (refused, its daily limit spent, or
applied with its answer lost): the re-runs end in exactly the CRM state one clean run gives, with
no duplicate record, hot-lead task, case or ticket and no lost update.

Here: a stop half-way through a run on the local runtime, the real handler and its DynamoDB
tables. Every stop point, with a hot lead and complaints: test_crm_stop_points.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialscore.crm.base import CrmStopped
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.domain.interaction import Category
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from socialscore_local.hubspot_setup import setup
from tests.integration.support import OPPORTUNITIES, Stack, running, write_demo_dir
from tests.integration.test_crm_sync_handler import expected_score, seed_touches

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
