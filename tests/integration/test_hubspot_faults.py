"""The HubSpot adapter against HubSpot's quirks, as its stub plays them: answers lost after the
work was done, a search index that lags writes, no unique values on tasks, a setup step
refused, a call that takes a second."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import urllib3

from socialscore.crm.base import Push
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import ComplaintCase, HotLeadTask
from socialscore.domain.record_key import RecordKey
from socialscore_local.crm_stubs.hubspot import DROPPED, HubSpotStub
from socialscore_local.crm_stubs.hubspot_api import Store
from socialscore_local.hubspot_setup import setup
from tests.integration.test_hubspot import Clock, Sleeps, contacts, crm, landed, only, score

T = datetime(2026, 11, 20, 9, tzinfo=UTC)
CREATE_TASKS = "/crm/v3/objects/tasks/batch/create"
CREATE_TICKETS = "/crm/v3/objects/tickets/batch/create"


def hot(profile: str, contact: str) -> HotLeadTask:
    return HotLeadTask(profile=profile, contact_id=contact, organic_score=12, threshold=10)


def complaint(key: str, contact: str) -> ComplaintCase:
    return ComplaintCase(
        key=key,
        contact_id=contact,
        profile="x#4004",
        interaction_id=key.rsplit("#", 1)[-1],
        network="x",
        kind="comment",
        post="x#1",
        seller_id="s-ana",
        permalink=None,
        phrases=["still broken"],
        occurred_at=T,
    )


PUSH = Push(
    scores=[score("7000"), score("7001")],
    hot_leads=[hot("x#1", "7000"), hot("x#2", "7001")],
    complaints=[
        complaint("complaint#x#4004#i#a", "7000"),
        complaint("complaint#x#4004#i#b", "7001"),
    ],
)


@contextmanager
def account() -> Iterator[HubSpotStub]:
    with HubSpotStub() as stub:
        setup(crm(stub))
        stub.seed(contacts=[{"id": "7000", "owner": "31"}, {"id": "7001"}, {"id": "7002"}])
        stub.calls.clear()
        yield stub


def opened(stub: HubSpotStub) -> tuple[list[Any], list[Any]]:
    """(hot-lead profile, contacts) of every task and (complaint key, contacts) of every ticket."""
    tasks = sorted((t["socialscore_hot_lead_key"], t["_contacts"]) for t in stub.tasks())
    tickets = sorted((t["socialscore_complaint_key"], t["_contacts"]) for t in stub.tickets())
    return tasks, tickets


# --- answers lost after the work was done ---------------------------------------------------------
@pytest.mark.parametrize("lost", [DROPPED, 502, 504])
def test_a_task_create_whose_answer_was_lost_is_not_sent_again_and_the_next_push_finds_it(
    lost: int,
) -> None:
    with account() as stub:
        push = Push(hot_leads=[hot("x#1", "7000")])
        stub.lose_answer_next(after=2, status=lost)  # owners, the contact's tasks, the create

        first = crm(stub).push(push)

        assert len(stub.paths(CREATE_TASKS)) == 1  # not sent again: it may have been done
        assert list(first.failed) == [rk.hot("x#1")]
        assert first.failed[rk.hot("x#1")].startswith("answer_lost:")
        assert len(stub.tasks()) == 1  # HubSpot did it

        again = crm(stub).push(only(push, set(first.failed)))

        assert again.failed == {}
        assert len(stub.paths(CREATE_TASKS)) == 1  # read, found, not created twice
        assert opened(stub)[0] == [("x#1", ["7000"])]


@pytest.mark.parametrize("gdpr_delete", [False, True])
def test_a_push_losing_the_answer_of_any_call_converges_with_no_duplicate_task_or_ticket(
    gdpr_delete: bool,
) -> None:
    push = Push(**(vars(PUSH) | {"erased": ["7002"]}))
    with account() as clean:
        calls = crm(clean, gdpr_delete=gdpr_delete).push(push).calls
        expected = landed(clean), opened(clean)
    assert expected[1] == (
        [("x#1", ["7000"]), ("x#2", ["7001"])],
        [("complaint#x#4004#i#a", ["7000"]), ("complaint#x#4004#i#b", ["7001"])],
    )
    for n in range(1, calls + 1):
        with account() as stub:
            stub.lose_answer_next(after=n - 1)  # the n-th call is done, its answer lost
            failed = set(crm(stub, gdpr_delete=gdpr_delete).push(push).failed)
            for _ in range(3):  # the next runs push what is not confirmed
                failed = set(crm(stub, gdpr_delete=gdpr_delete).push(only(push, failed)).failed)
            assert failed == set(), n
            assert (landed(stub), opened(stub)) == expected, n


def test_a_ticket_create_whose_answer_was_lost_is_found_by_its_key_next_time() -> None:
    with account() as stub:
        push = Push(complaints=[complaint("complaint#x#4004#i#a", "7000")])
        stub.lose_answer_next(after=1)  # the read by key, then the create

        first = crm(stub).push(push)
        again = crm(stub).push(push)

        assert list(first.failed) == [RecordKey.parse("complaint#x#4004#i#a")]
        assert (again.failed, again.calls) == ({}, 1)  # read by key: there
        assert len(stub.paths(CREATE_TICKETS)) == 1
        assert len(stub.tickets()) == 1


def test_a_contacts_tasks_are_read_in_full_and_only_the_hot_lead_ones_count(
    stub: HubSpotStub,
) -> None:
    setup(crm(stub))
    stub.seed(contacts=[{"id": "7000"}])
    for n in range(150):  # the seller's own tasks on the contact
        task = stub.store.put("tasks", None, {"hs_task_subject": f"call back {n}"})
        stub.store.link("tasks", task, "contacts", "7000")
    stub.calls.clear()

    first = crm(stub).push(Push(hot_leads=[hot("x#1", "7000")]))
    stub.calls.clear()
    again = crm(stub).push(Push(hot_leads=[hot("x#1", "7000"), hot("x#9", "7000")]))

    assert first.failed == again.failed == {}
    # owners, associations, 2 reads of 151 tasks, and the one create for the profile not there
    assert stub.paths() == [
        "/crm/v3/objects/contacts/batch/read",
        "/crm/v4/associations/contacts/tasks/batch/read",
        "/crm/v3/objects/tasks/batch/read",
        "/crm/v3/objects/tasks/batch/read",
        CREATE_TASKS,
    ]
    assert [len(b["inputs"]) for b in stub.bodies("/crm/v3/objects/tasks/batch/read")] == [100, 51]
    assert sorted(t.get("socialscore_hot_lead_key", "") for t in stub.tasks())[-2:] == [
        "x#1",
        "x#9",
    ]
    assert len(stub.tasks()) == 152


@pytest.fixture
def stub() -> Iterator[HubSpotStub]:
    with HubSpotStub() as s:
        yield s


# --- the search index lags writes -------------------------------------------------------------
def test_a_deal_indexed_after_a_run_below_its_checkpoint_is_read_by_the_next_run() -> None:
    clock = Clock(T - timedelta(seconds=20))
    with HubSpotStub(store=Store(clock=clock)) as stub:
        stub.seed(
            deals=[
                {"id": d, "contact_ids": ["7000"], "amount": "10", "currency": "EUR"}
                | {"modified_at": T - timedelta(days=1)}
                for d in ("41", "42")
            ]
        )
        adapter = HubSpotCrm(lambda refresh: stub.token, stub.url, sleep=Sleeps())
        stub.index_late("41", 60)  # edited at T-20s, searchable only at T+40s
        stub.touch_deal("41")
        clock.now = T - timedelta(seconds=10)
        stub.touch_deal("42")  # edited at T-10s, searchable at once
        clock.now = T

        first = adapter.changed_opportunities(T - timedelta(hours=1))
        checkpoint = max(o.modified_at for o in first)  # what crm_sync keeps
        clock.now = T + timedelta(minutes=5)  # the next run
        second = adapter.changed_opportunities(checkpoint)

    assert [o.id for o in first] == ["42"]
    assert checkpoint == T - timedelta(seconds=10)
    assert "41" in [o.id for o in second]  # modified before the checkpoint, indexed after it
    assert next(o for o in second if o.id == "41").modified_at == T - timedelta(seconds=20)


def test_search_sees_a_record_as_it_was_before_the_index_lag_and_batch_reads_as_it_is() -> None:
    clock = Clock(T)
    with HubSpotStub(store=Store(clock=clock, index_lag=30)) as stub:
        stub.seed(deals=[{"id": "41", "amount": "10", "currency": "EUR", "modified_at": T}])
        stub.store.put("deals", "41", {"amount": "99"})
        api = HubSpotApi(lambda refresh: stub.token, stub.url)
        search = {"filterGroups": [], "properties": ["amount"], "limit": 10, "after": "0"}
        read = {"inputs": [{"id": "41"}], "properties": ["amount"], "propertiesWithHistory": []}

        def amounts() -> tuple[str, str]:
            found = api.call("POST", "/crm/v3/objects/deals/search", search).document
            held = api.call("POST", "/crm/v3/objects/deals/batch/read", read).document
            return found["results"][0]["properties"]["amount"], held["results"][0]["properties"][
                "amount"
            ]

        before = amounts()
        clock.now += timedelta(seconds=30)
        after = amounts()

    assert before == ("10", "99")
    assert after == ("99", "99")


def test_search_past_five_a_second_is_refused_with_hubspots_429_and_then_taken() -> None:
    clock = Clock(T)
    with HubSpotStub(store=Store(clock=clock)) as stub:
        http = urllib3.PoolManager(retries=False)
        headers = {"Authorization": f"Bearer {stub.token}", "Content-Type": "application/json"}

        def search() -> urllib3.BaseHTTPResponse:
            return http.request(
                "POST", f"{stub.url}/crm/v3/objects/deals/search", body=b"{}", headers=headers
            )

        first = [search().status for _ in range(6)]
        refused = search()
        clock.sleep(0.5)
        still = search().status
        clock.sleep(0.5)
        taken = search().status

    assert first == [200] * 5 + [429]
    assert refused.status == 429
    body = refused.json()
    assert set(body) == {"status", "message", "errorType", "correlationId", "policyName"} | {
        "requestId"
    }
    assert (body["errorType"], body["policyName"]) == ("RATE_LIMIT", "SECONDLY")
    assert not [h for h in refused.headers if h.lower().startswith(("retry", "x-hubspot"))]
    assert (still, taken) == (429, 200)  # a rolling second, the refused ones uncounted


# --- setup ------------------------------------------------------------------------------------
def test_hubspot_refuses_a_unique_property_on_tasks_and_takes_one_on_tickets(
    stub: HubSpotStub,
) -> None:
    api = HubSpotApi(lambda refresh: stub.token, stub.url)
    for kind in ("tasks", "tickets"):
        api.call("POST", f"/crm/v3/properties/{kind}/groups", {"name": "g", "label": "g"})
    unique: dict[str, Any] = {"label": "Key", "type": "string", "fieldType": "text"}
    unique |= {"groupName": "g", "hasUniqueValue": True}

    on_tasks = api.call("POST", "/crm/v3/properties/tasks", unique | {"name": "k"})
    on_tickets = api.call("POST", "/crm/v3/properties/tickets", unique | {"name": "k"})

    assert (on_tasks.status, on_tasks.category) == (400, "VALIDATION_ERROR")
    assert set(on_tasks.document) == {"status", "message", "category", "correlationId"}
    assert on_tickets.status == 201


def test_setup_goes_on_past_a_refused_step_and_names_it(stub: HubSpotStub) -> None:
    stub.fail_next(403, after=1, body={"status": "error", "category": "MISSING_SCOPES"})

    report = setup(crm(stub))

    assert report.failed == ["property contacts.socialscore_organic_score: HTTP 403 MISSING_SCOPES"]
    assert len(report.created) == 14  # every other step, the custom object last
    assert report.created[-1] == "custom object socialscore_influence"
    assert "could not create property contacts.socialscore_organic_score" in report.text()
    assert setup(crm(stub)).created == ["property contacts.socialscore_organic_score"]


def test_setup_goes_on_when_hubspot_stays_down_for_a_step(stub: HubSpotStub) -> None:
    stub.fail_next(503, times=3, after=2)  # the third step, every attempt

    report = setup(crm(stub))

    assert report.failed == ["property contacts.socialscore_paid_score: unavailable_http_503"]
    assert len(report.created) == 14


# --- latency ----------------------------------------------------------------------------------
def test_each_call_takes_the_stubs_latency_on_a_simulated_clock() -> None:
    clock = Clock(T)
    with HubSpotStub(latency=1.0, sleep=clock.sleep) as stub:
        setup(crm(stub))
        stub.seed(contacts=contacts(250))
        start, calls = clock.now, len(stub.calls)

        outcome = crm(stub).push(Push(scores=[score(str(7000 + n)) for n in range(250)]))

    assert outcome.calls == len(stub.calls) - calls == 3
    assert clock.now - start == timedelta(seconds=3)
