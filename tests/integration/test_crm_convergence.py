"""crm_sync against a CRM that stops it at any call of a run (refused, or applied with its answer
lost): the re-runs end in exactly the CRM state one clean run gives (no duplicate record, task or
case, no lost update). HubSpot's and Salesforce's stubs, through the local runtime, the real
handler and adapters."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialscore.crm.base import CrmStopped
from socialscore.domain.interaction import Category
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.support import OPPORTUNITIES, Stack, running, write_demo_dir
from tests.integration.test_crm_sync_handler import expected_score, seed_touches

FN = "CrmSyncFunction"
AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
CRM_OWN = {"createdate", "lastmodifieddate"}  # HubSpot's own times, not ours
CONTACTS = ("501", "502")  # HubSpot's ids are numbers
DEALS = [
    o | {"id": str(9001 + n), "contact_ids": [CONTACTS[n]]} for n, o in enumerate(OPPORTUNITIES)
]


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
        from socialscore.crm.hubspot import HubSpotCrm
        from socialscore_local.hubspot_setup import setup

        setup(HubSpotCrm(lambda refresh: stub.token, stub.url))
        seed_touches(stack, CONTACTS)
        yield stack
    shutil.rmtree(tmp_path / "work", ignore_errors=True)


def state(stub: HubSpotStub) -> dict[str, Any]:
    """What marketing ops see in the CRM, without the CRM's own ids and times."""
    return {
        "contacts": {c: _ours(stub.contact(c)) for c in CONTACTS},
        "deals": {d["id"]: _ours(stub.deal(d["id"])) for d in DEALS},
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


def test_a_clean_run_lands_scores_headlines_and_breakdown_in_hubspot(tmp_path: Path) -> None:
    landed, _ = clean_run(tmp_path)
    organic = float(landed["contacts"]["501"]["socialscore_organic_score"])
    assert organic == pytest.approx(expected_score("C-1", Category.ORGANIC, AS_OF), abs=0.011)
    assert landed["contacts"]["501"]["socialscore_last_organic_touch"] == "2026-11-12T12:00:00.000Z"
    assert float(landed["deals"]["9001"]["socialscore_attributed_amount"]) == 1000
    assert {k.split("|")[0] for k in landed["influence"]} == {"9001", "9002"}


def test_a_run_stopped_at_any_call_converges_to_one_clean_run(tmp_path: Path) -> None:
    expected, calls = clean_run(tmp_path)
    assert calls > 3
    for n in range(calls):
        with HubSpotStub() as stub, hubspot_stack(tmp_path / f"stop-{n}", stub) as stack:
            stub.calls.clear()
            stub.fail_next(status=502, times=3, after=n)  # bounded retries, then CrmStopped
            with pytest.raises(CrmStopped):
                stack.rt.run_schedule(FN, at=AS_OF)
            for _ in range(3):  # the scheduler's retries, or the next slot
                report = stack.rt.run_schedule(FN, at=AS_OF)
                if report["failed"] == 0:
                    break
            assert state(stub) == expected, f"stopped at call {n}"


# --- Salesforce ---------------------------------------------------------------------------------
def sf_state(sf: SalesforceStub) -> dict[str, Any]:
    """What marketing ops see in Salesforce: our fields on Contact and Opportunity, the influence
    records by key, the hot-lead tasks and complaint cases (Salesforce's own ids and stamps left
    out)."""

    def ours(record: dict[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (record or {}).items() if k.startswith("Social_")}

    return {
        "contacts": {c: ours(sf.contact(c)) for c in ("C-1", "C-2")},
        "opportunities": {o: ours(sf.opportunity(o)) for o in ("006-O1", "006-O2")},
        "influence": {
            key: {k: v for k, v in r.items() if k.endswith("__c")}
            for key, r in sf.influence().items()
        },
        "tasks": sorted(str(t.get("Social_Hot_Lead_Key__c")) for t in sf.tasks()),
        "cases": sorted(str(c.get("Social_Complaint_Key__c")) for c in sf.cases()),
    }


def sf_clean_run(tmp_path: Path) -> tuple[dict[str, Any], int]:
    # Imported here: that module imports hubspot_stack from this one.
    from tests.integration.test_crm_last_touch import salesforce_stack

    with SalesforceStub() as sf, salesforce_stack(tmp_path / "clean", sf) as stack:
        before = sf.api_used
        report = stack.rt.run_schedule(FN, at=AS_OF)
        assert report["failed"] == 0
        return sf_state(sf), sf.api_used - before


@pytest.mark.parametrize("fault", ["refused", "answer lost"])
def test_a_salesforce_run_stopped_at_any_call_converges_to_one_clean_run(
    fault: str, tmp_path: Path
) -> None:
    from tests.integration.test_crm_last_touch import salesforce_stack

    expected, calls = sf_clean_run(tmp_path)
    assert calls > 3
    assert expected["contacts"]["C-1"]
    for n in range(calls):
        with SalesforceStub() as sf, salesforce_stack(tmp_path / f"{fault}-{n}", sf) as stack:
            if fault == "refused":
                sf.fail_next(status=503, times=3, after=n)  # bounded retries, then CrmStopped
            else:
                sf.lose_next_answer(after=n)  # applied, its answer never came
            for _ in range(4):  # the run, then the scheduler's retries or the next slots
                with suppress(CrmStopped):
                    if stack.rt.run_schedule(FN, at=AS_OF)["failed"] == 0:
                        break
            assert sf_state(sf) == expected, f"{fault} at call {n}"
