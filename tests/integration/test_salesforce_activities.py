"""Activities in Salesforce, against its stub (which reads the deployed metadata): one
Social_Activity__c per interaction on its Contact, upserted by Interaction_Id__c in calls of 200
(one Bulk API 2.0 job past the threshold), a repeat updating the same record, a withdrawal
deleting it, a record Salesforce refuses failed alone, a daily limit stopping the push. That the
SFDX source grants what is written: tests/unit/test_salesforce_metadata.py."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
import urllib3

from socialscore.crm import salesforce_activities as payloads
from socialscore.crm.base import CrmStopped
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.interaction import Kind, Network
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.test_salesforce import Secret, Sleeps, warm

T = datetime(2026, 11, 20, 9, tzinfo=UTC)


def activity(n: int, contact: str) -> Activity:
    return Activity(
        id=f"{n:032x}",
        contact_id=contact,
        network=Network.LINKEDIN,
        kind=Kind.COMMENT,
        post_link="https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000001/",
        seller_id="s-ana",
        paid=False,
        points=3.0,
        intent=True,
        complaint=False,
        occurred_at=T - timedelta(minutes=n),
    )


def held(sf: SalesforceStub) -> dict[str, dict[str, object]]:
    return {str(r[payloads.ACTIVITY_KEY]): r for r in sf.records(payloads.ACTIVITY)}


def test_activities_land_on_the_contact_200_a_call_and_a_repeat_is_the_same_record(
    sf: SalesforceStub,
) -> None:
    contact = sf.add_contact("003000000000000001")
    crm = warm(sf)
    acts = [activity(n, contact) for n in range(450)]
    outcome = crm.push_activities(acts)
    assert (outcome.failed, outcome.calls) == ({}, math.ceil(450 / 200))
    one = held(sf)[acts[0].id]
    assert (one["Contact__c"], one["Kind__c"], one["Intent__c"], one["Points__c"]) == (
        contact,
        "comment",
        True,
        3.0,
    )
    assert str(one["Name"]).startswith("Replied to a post on linkedin")
    assert crm.push_activities(acts[:5]).failed == {}
    assert len(held(sf)) == 450


def test_past_the_threshold_they_go_in_one_bulk_job(sf: SalesforceStub) -> None:
    contact = sf.add_contact("003000000000000001")
    crm = SalesforceCrm(
        Secret(sf.credentials),
        sf.api_version,
        pool=urllib3.PoolManager(retries=False),
        sleep=Sleeps(),
        bulk_threshold=100,
    )
    crm.changed_opportunities(T)
    outcome = crm.push_activities([activity(n, contact) for n in range(250)])
    assert outcome.failed == {}
    assert len(held(sf)) == 250
    assert any(c.kind == "bulk" for c in sf.calls)


def test_a_withdrawal_deletes_the_record_and_one_never_written_is_done(sf: SalesforceStub) -> None:
    contact = sf.add_contact("003000000000000001")
    crm = warm(sf)
    acts = [activity(n, contact) for n in range(3)]
    crm.push_activities(acts)
    outcome = crm.remove_activities([Removal(acts[0].id, contact), Removal("f" * 32, contact)])
    assert outcome.failed == {}
    assert sorted(held(sf)) == sorted(a.id for a in acts[1:])


def test_a_refused_record_fails_alone_with_salesforces_code(sf: SalesforceStub) -> None:
    contact = sf.add_contact("003000000000000001")
    crm = warm(sf)
    acts = [activity(n, contact) for n in range(3)]
    sf.reject(acts[1].id, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "not today")
    outcome = crm.push_activities(acts)
    assert list(outcome.failed) == [rk.activity(acts[1].id)]
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in outcome.failed[rk.activity(acts[1].id)]
    assert len(held(sf)) == 2


def test_the_daily_limit_stops_the_push_naming_what_was_not_written(sf: SalesforceStub) -> None:
    contact = sf.add_contact("003000000000000001")
    crm = warm(sf)
    sf.api_limit = sf.api_used + 1  # one more call today
    with pytest.raises(CrmStopped) as stopped:
        crm.push_activities([activity(n, contact) for n in range(300)])
    assert len(stopped.value.outcome.failed) == 100
    assert len(held(sf)) == 200
