"""A complaint becomes one Case (Salesforce) or ticket (HubSpot) per act: the adapters against
the stubs (a push retried, an answer lost), then crm_sync on the local runtime stopped at the
case's create. Two runs and a re-delivery of the act, and an anonymous complaint's case opened
once its profile is linked, are proven in memory (tests/unit/test_complaint_case_runs.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import urllib3

from socialscore.crm.base import CrmStopped, Push
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.domain.opportunity import ComplaintCase
from socialscore.domain.record_key import RecordKey
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from socialscore_local.hubspot_setup import setup
from tests.integration.support import POST_A, POSTS, Stack, identify, running, write_demo_dir
from tests.integration.test_complaints import COMPLAINT, COMPLAINT_TEXT, complaint

FN = "CrmSyncFunction"
AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
SF_CONTACT = "003000000000000777"
HS_CONTACT = "777"
HS_OWNER = "8801"
KEY = "complaint#x#4004#i#iid-1"


def case(contact: str, key: str = KEY) -> ComplaintCase:
    return ComplaintCase(
        key=key,
        contact_id=contact,
        profile="x#4004",
        interaction_id="iid-1",
        network="x",
        kind="comment",
        post=f"x#{POST_A}",
        seller_id="s-ana",
        permalink=f"https://x.com/i/web/status/{COMPLAINT}",
        phrases=["still broken", "worst"],
        occurred_at=datetime(2026, 11, 18, 10, tzinfo=UTC),
    )


# --- the adapters ------------------------------------------------------------------------------
def salesforce(sf: SalesforceStub) -> SalesforceCrm:
    crm = SalesforceCrm(
        lambda refresh: sf.credentials, sf.api_version, pool=urllib3.PoolManager(retries=False)
    )
    crm.changed_opportunities(AS_OF)  # as crm_sync uses it: the session known
    return crm


def test_salesforce_opens_one_case_per_act_even_when_the_push_is_retried() -> None:
    with SalesforceStub() as sf:
        sf.add_contact(SF_CONTACT)
        crm = salesforce(sf)

        first = crm.push(Push(complaints=[case(SF_CONTACT)]))
        again = crm.push(Push(complaints=[case(SF_CONTACT)]))  # DUPLICATE_VALUE: opened
        sf.lose_next_answer()  # the create is applied, its answer lost: the run stops
        with pytest.raises(CrmStopped):
            crm.push(Push(complaints=[case(SF_CONTACT, KEY + "-2")]))
        after = crm.push(Push(complaints=[case(SF_CONTACT, KEY + "-2")]))
        missing = crm.push(Push(complaints=[case("003000000000000404", KEY + "-3")]))

        assert (first.failed, again.failed, after.failed) == ({}, {}, {})
        assert (first.calls, again.calls) == (1, 1)  # a create, no read first
        assert missing.failed.keys() == {
            RecordKey.parse(KEY + "-3")
        }  # no such contact: tried again next run
        opened = {c["Social_Complaint_Key__c"]: c for c in sf.cases()}
        assert sorted(opened) == [KEY, KEY + "-2"]
        held = opened[KEY]
        assert {k: held[k] for k in ("ContactId", "Subject", "Origin", "Priority", "Status")} == {
            "ContactId": SF_CONTACT,
            "Subject": "Social complaint: still broken, worst",
            "Origin": "Web",
            "Priority": "High",
            "Status": "New",
        }
        assert f"https://x.com/i/web/status/{COMPLAINT}" in held["Description"]
        assert "OwnerId" not in held  # the org's case assignment rules route it


def test_hubspot_opens_one_ticket_per_act_and_leaves_a_closed_one_closed() -> None:
    with HubSpotStub() as hs:
        hs.seed(contacts=[{"id": HS_CONTACT}])
        crm = HubSpotCrm(lambda refresh: hs.token, hs.url)
        setup(crm)
        hs.calls.clear()

        first = crm.push(Push(complaints=[case(HS_CONTACT)]))
        (ticket,) = hs.tickets()
        hs.store.put("tickets", ticket["hs_object_id"], {"hs_pipeline_stage": "4"})  # closed
        again = crm.push(Push(complaints=[case(HS_CONTACT)]))

        assert (first.failed, again.failed) == ({}, {})
        assert (first.calls, again.calls) == (2, 1)  # read by key and create; the read alone
        (ticket,) = hs.tickets()
        assert {k: ticket[k] for k in ("hs_pipeline", "hs_pipeline_stage", "subject")} == {
            "hs_pipeline": "0",
            "hs_pipeline_stage": "4",  # an agent closed it: not reopened
            "subject": "Social complaint: still broken, worst",
        }
        assert ticket["hs_ticket_priority"] == "HIGH"
        assert ticket["socialscore_complaint_key"] == KEY
        assert ticket["_contacts"] == [HS_CONTACT]
        assert "still broken since" not in ticket["content"]  # phrases, never the words


# --- crm_sync on the local runtime -------------------------------------------------------------
@dataclass
class Crm:
    stack: Stack
    contact: str  # the complaining actor's contact, as this CRM spells it
    opened: Callable[[], list[dict[str, Any]]]  # the cases or tickets it holds
    requests: Callable[[], list[str]]  # the API calls it answered so far: "METHOD path"
    stop: Callable[[int], None]  # the run stops at the API call after this many more
    owner: Callable[[], str] = lambda: ""  # the contact's owner, as the CRM holds it


@contextmanager
def crm_stack(name: str, tmp_path: Path) -> Iterator[Crm]:
    demo_dir = write_demo_dir(tmp_path / "demo")
    (demo_dir / "posts.json").write_text(json.dumps(POSTS_WITH_COMPLAINT))
    if name == "salesforce":
        with SalesforceStub() as sf:
            sf.add_contact(SF_CONTACT)
            with running(tmp_path / "work", demo_dir, CRM_ADAPTER="salesforce") as stack:
                credentials(stack, sf.credentials)

                # The call is applied and its answer lost: a read or an update is asked again,
                # a create is not (the run stops, not knowing whether the case exists).
                yield Crm(
                    stack,
                    SF_CONTACT,
                    sf.cases,
                    lambda: api_requests(sf.calls),
                    lambda n: sf.lose_next_answer(after=n),
                    lambda: sf.default_owner,
                )
    else:
        with HubSpotStub() as hs:
            hs.seed(contacts=[{"id": HS_CONTACT, "owner": HS_OWNER}])
            setup(HubSpotCrm(lambda refresh: hs.token, hs.url))
            environment = {"CRM_ADAPTER": "hubspot", "HUBSPOT_BASE_URL": hs.url}
            with running(tmp_path / "work", demo_dir, **environment) as stack:
                credentials(stack, {"token": hs.token})
                yield Crm(
                    stack,
                    HS_CONTACT,
                    hs.tickets,
                    lambda: api_requests(hs.calls),
                    lambda n: hs.fail_next(502, times=3, after=n),
                    lambda: HS_OWNER,
                )


POSTS_WITH_COMPLAINT = [
    *POSTS,
    {
        "network": "x",
        "post_id": COMPLAINT,
        "author_id": "4004",
        "created_at": "2026-11-18T10:00:00Z",
        "referenced_post_id": POST_A,
        "text": COMPLAINT_TEXT,
    },
]


def credentials(stack: Stack, secret: dict[str, str]) -> None:
    secrets = stack.rt.client("secretsmanager")
    arn = stack.rt.physical["CrmCredentials"]["Ref"]
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(secret))


def deliver(stack: Stack, *events: dict[str, Any]) -> None:
    assert stack.webhook(list(events)).status == 202
    stack.rt.drain()


def sync(stack: Stack) -> int:
    report: dict[str, Any] = stack.rt.run_schedule(FN, at=AS_OF)
    assert report["failed"] == 0
    return int(report["complaints"])


def complained(crm: Crm) -> None:
    crm.stack.send("ResolveQueue", [identify(1, user="4004", contact=crm.contact)])
    deliver(crm.stack, complaint())


def api_requests(calls: list[Any]) -> list[str]:
    """The API calls a stub answered, as "METHOD path" (its token requests are no API calls)."""
    return [f"{c.method} {c.path}" for c in calls if not c.path.endswith("/token")]


CREATES = {
    "salesforce": "POST /services/data/v62.0/composite/sobjects",
    "hubspot": "POST /crm/v3/objects/tickets/batch/create",
}


@pytest.mark.parametrize("name", ["salesforce", "hubspot"])
def test_a_run_stopped_at_the_case_s_create_opens_it_once_when_run_again(
    name: str, tmp_path: Path
) -> None:
    """Through the handler and its tables on moto, stopped at the call that opens the case
    (Salesforce applies it and loses the answer, HubSpot refuses it; the run's activities, where
    on, come after it). A stop at every
    other call, with every fault, is proven in memory through the same adapters and stubs
    (test_crm_stop_points), the sync state's fake holding its table's contract
    (test_store_contracts); a handler run stopped half way, on moto (test_crm_convergence)."""
    with crm_stack(name, tmp_path / "clean") as crm:
        complained(crm)
        before = len(crm.requests())
        assert sync(crm.stack) == 1
        assert COMPLAINT_TEXT not in json.dumps(crm.opened())  # the phrases at most, never words
        made = crm.requests()[before:]
        assert made.count(CREATES[name]) == 1  # the case is opened by one call of the run
    with crm_stack(name, tmp_path / "stopped") as crm:
        complained(crm)
        crm.stop(made.index(CREATES[name]))
        for _ in range(4):  # the run, then the scheduler's retries or the next slots
            with suppress(CrmStopped):
                if crm.stack.rt.run_schedule(FN, at=AS_OF)["failed"] == 0:
                    break
        assert len(crm.opened()) == 1
