"""What people change in Salesforce between two runs, read and written as Salesforce answers it:
a contact role added to an opportunity that did not move, a contact deleted or merged away, a
hot-lead Task closed and archived. The adapter's real HTTP code against the stub; never patched.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import urllib3

from socialscore.crm.base import Push
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.test_salesforce import OPP, OWNER, T0, adapter, hot, score, warm

ANA, BEN = "003000000000000001", "003000000000000002"


def soql(sf: SalesforceStub, resource: str, query: str) -> list[dict[str, Any]]:
    """A query sent by hand, as any API client would (the adapter's session)."""
    token = next(c.authorization for c in sf.calls if c.authorization)
    reply = urllib3.PoolManager().request(
        "GET",
        f"{sf.url}{sf.data_path}/{resource}?{urlencode({'q': query})}",
        headers={"Authorization": token},
    )
    assert reply.status == 200, reply.data
    return list(json.loads(reply.data)["records"])


# --- contact roles -------------------------------------------------------------------------
def test_a_contact_role_added_to_an_opportunity_that_did_not_move_is_read(
    sf: SalesforceStub,
) -> None:
    sf.add_opportunity(OPP, contacts=[ANA], modified_at=T0 - timedelta(days=3))
    crm = adapter(sf)
    assert crm.changed_opportunities(T0) == []

    added = T0 + timedelta(minutes=2)
    sf.add_contact_role(OPP, BEN, at=added)
    [found] = crm.changed_opportunities(T0)

    # Salesforce did not stamp the opportunity; its role's own stamp brought it in.
    assert (sf.opportunity(OPP) or {})["SystemModstamp"].startswith("2026-11-17")
    assert found.contact_ids == [ANA, BEN]
    # Read as modified when its role was: the checkpoint moves past the change, once.
    assert found.modified_at == added
    assert crm.changed_opportunities(added + timedelta(seconds=1)) == []


def test_the_roles_changed_cost_one_query_and_none_on_a_read_with_no_checkpoint(
    sf: SalesforceStub,
) -> None:
    sf.add_opportunity(OPP, contacts=[ANA], modified_at=T0)
    crm = warm(sf)  # the probe, the opportunities, the roles changed
    assert crm.calls == 3
    roles = [c for c in sf.calls_of("query") if "FROM OpportunityContactRole " in c.query["q"][0]]
    assert len(roles) == 1
    assert "WHERE SystemModstamp >= 2026-11-20T10:00:00Z" in roles[0].query["q"][0]

    before = crm.calls
    assert len(crm.changed_opportunities(None)) == 1  # every opportunity: no roles query
    assert crm.calls - before == 1


# --- deleted and merged contacts -----------------------------------------------------------
@pytest.mark.parametrize("how", ["deleted", "merged"])
def test_an_erasure_of_a_contact_deleted_or_merged_away_is_done(
    sf: SalesforceStub, how: str
) -> None:
    sf.add_contact(ANA)
    sf.add_contact(BEN)
    crm = warm(sf)
    crm.push(Push(scores=[score(ANA), score(BEN)]))
    if how == "merged":
        sf.merge_contacts(BEN, ANA)  # Ana's record merged into Ben's: Ana's is deleted
    else:
        sf.delete_record(ANA)

    erased = crm.push(Push(erased=[ANA]))
    scored = crm.push(Push(scores=[score(ANA, organic=40.0)]))

    # Nothing left to write on it: done, not failed (a failure is retried every run).
    assert (erased.failed, scored.failed) == ({}, {})
    assert (erased.calls, scored.calls) == (1, 1)
    # The survivor of a merge keeps its own values: the erasure named another record.
    if how == "merged":
        assert (sf.contact(BEN) or {})["Social_Organic_Score__c"] == 12.5


def test_the_stub_answers_a_deleted_contact_to_query_all_only_as_salesforce_does(
    sf: SalesforceStub,
) -> None:
    sf.add_contact(ANA)
    sf.add_contact(BEN)
    warm(sf)
    sf.merge_contacts(BEN, ANA)
    query = f"SELECT Id, IsDeleted, MasterRecordId FROM Contact WHERE Id = '{ANA}'"

    assert soql(sf, "query", query) == []
    [row] = soql(sf, "queryAll", query)
    assert (row["IsDeleted"], row["MasterRecordId"]) == (True, BEN)


# --- hot-lead tasks ------------------------------------------------------------------------
def test_an_archived_hot_lead_task_is_seen_and_no_twin_is_opened(sf: SalesforceStub) -> None:
    sf.add_contact(ANA, owner_id=OWNER)
    crm = warm(sf)
    crm.push(Push(hot_leads=[hot(contact=ANA)]))
    [task] = sf.tasks()
    sf.org.update("Task", task["Id"], {"Status": "Completed"})
    sf.archive_task(task["Id"])  # a year later, Salesforce archives it
    tasks = f"SELECT Id FROM Task WHERE WhoId = '{ANA}'"
    assert soql(sf, "query", tasks) == []  # Query no longer sees it; QueryAll does
    assert len(soql(sf, "queryAll", tasks)) == 1

    again = crm.push(Push(hot_leads=[hot(contact=ANA)]))

    assert again.failed == {}
    assert again.calls == 1  # the lookup; no create
    assert len(sf.tasks()) == 1
    assert "/queryAll" in sf.calls_of("query")[-1].path


def test_a_hot_lead_on_a_contact_merged_away_opens_no_task_and_is_done(
    sf: SalesforceStub,
) -> None:
    sf.add_contact(ANA, owner_id=OWNER)
    sf.add_contact(BEN, owner_id=OWNER)
    crm = warm(sf)
    sf.merge_contacts(BEN, ANA)

    outcome = crm.push(Push(hot_leads=[hot(contact=ANA)]))

    assert outcome.failed == {}
    assert outcome.owners == {}  # a deleted contact's owner routes nothing
    assert sf.tasks() == []


def test_the_stub_answers_each_api_call_after_its_latency() -> None:
    with SalesforceStub(latency=0.05) as sf:
        crm = adapter(sf)
        begun = time.monotonic()
        crm.changed_opportunities(T0)  # the probe, the opportunities, the roles changed

        assert time.monotonic() - begun >= 3 * 0.05
        assert crm.calls == 3
