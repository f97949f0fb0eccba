"""Salesforce Bulk API 2.0 ingest jobs, the adapter's real HTTP code against the stub's jobs:
created, uploaded as CSV, closed, polled until done (it takes polls), results read back per key
(https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-successful-results.html).
A push that crosses the threshold leaves the org as 200-record calls would; one stopped at any
call converges when pushed again. The adapter is never patched.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable

import pytest
import urllib3

from socialscore.crm.base import OUT_OF_TIME, CrmStopped, Push
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.crm.salesforce_bulk import AFTER_POLLS, BULK_THRESHOLD
from socialscore.domain import record_key as rk
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.test_salesforce import (
    OPP,
    T0,
    Secret,
    Sleeps,
    headline,
    record,
    score,
    state,
    stub,
)


def bulk_adapter(
    sf: SalesforceStub,
    threshold: int = BULK_THRESHOLD,
    sleeps: Sleeps | None = None,
    time_left: Callable[[], float] = lambda: math.inf,
) -> SalesforceCrm:
    crm = SalesforceCrm(
        Secret(sf.credentials),
        sf.api_version,
        pool=urllib3.PoolManager(retries=False),
        sleep=sleeps if sleeps is not None else Sleeps(),
        bulk_threshold=threshold,
        time_left=time_left,
    )
    crm.changed_opportunities(T0)  # as crm_sync uses it: session and org facts known
    return crm


def contacts(n: int) -> list[str]:
    return [f"003{k:015d}" for k in range(n)]


def bulk_paths(sf: SalesforceStub, since: int = 0) -> list[str]:
    """Each Bulk call as METHOD and its path after /jobs/ingest, the job id as {id}."""
    out = []
    for call in sf.calls[since:]:
        if call.kind == "bulk":
            rest = call.path.split("/jobs/ingest", 1)[1]
            parts = ["{id}" if p.startswith("750") else p for p in rest.split("/")]
            out.append(f"{call.method} {'/'.join(parts)}")
    return out


def test_past_2000_contacts_the_scores_go_in_one_job_and_below_in_calls_of_200(
    sf: SalesforceStub,
) -> None:
    people = contacts(BULK_THRESHOLD + 1)
    for contact in people:
        sf.add_contact(contact)
    sleeps = Sleeps()
    crm = bulk_adapter(sf, sleeps=sleeps)
    before = len(sf.calls)

    outcome = crm.push(Push(scores=[score(c) for c in people]))

    assert outcome.failed == {}
    # Create, upload, close, two polls (the job is not done at once), results, failures.
    assert bulk_paths(sf, before) == [
        "POST ",
        "PUT /{id}/batches",
        "PATCH /{id}",
        "GET /{id}",
        "GET /{id}",
        "GET /{id}/successfulResults/",
        "GET /{id}/failedResults/",
    ]
    assert outcome.calls == 7
    assert sleeps == [1.0]
    assert {(sf.contact(c) or {})["Social_Organic_Score__c"] for c in people} == {12.5}
    # One record fewer: 2,000 records, 10 calls of 200.
    before = len(sf.calls)
    assert crm.push(Push(scores=[score(c, 13.0) for c in people[:-1]])).calls == 10
    assert bulk_paths(sf, before) == []


def bulk_world(sf: SalesforceStub) -> Push:
    sf.add_opportunity(OPP, contacts=contacts(3), modified_at=T0)
    return Push(
        scores=[score(c) for c in contacts(2)],
        influences=[headline()],
        records=[record(1), record(2, amount="20.00"), record(3, amount="0.10")],
        erased=[contacts(3)[2]],
    )


def test_a_bulk_push_leaves_the_org_as_calls_of_200_do() -> None:
    with stub() as sf:
        push = bulk_world(sf)
        assert bulk_adapter(sf).push(push).failed == {}
        expected = state(sf)
    with stub() as sf:
        push = bulk_world(sf)
        crm = bulk_adapter(sf, threshold=1)  # contacts and breakdown by Bulk, the headline not

        outcome = crm.push(push)
        again = crm.push(push)  # upserted by Key__c: the same records, updated

        assert (outcome.failed, again.failed) == ({}, {})
        assert state(sf) == expected
        assert len(sf.influence()) == 3
        jobs = list(sf.bulk.jobs.values())
        assert [(j.sobject, j.operation, j.external_id) for j in jobs[:2]] == [
            ("Contact", "update", None),
            ("Social_Influence__c", "upsert", "Key__c"),
        ]
        # The erased contact's fields are emptied by #N/A (an empty value would leave them).
        rows = list(csv.DictReader(io.StringIO(jobs[0].data or "")))
        assert rows[-1]["Id"] == contacts(3)[2]
        assert rows[-1]["Social_Organic_Score__c"] == "#N/A"


def test_a_record_refused_in_a_job_fails_by_key_and_a_deleted_contact_is_done(
    sf: SalesforceStub,
) -> None:
    people = contacts(3)
    for contact in people:
        sf.add_contact(contact)
    crm = bulk_adapter(sf, threshold=1)
    sf.reject(people[0], "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Scores are locked")
    sf.delete_record(people[1])

    outcome = crm.push(Push(scores=[score(c) for c in people]))

    assert outcome.failed == {
        rk.contact(people[0]): "FIELD_CUSTOM_VALIDATION_EXCEPTION: Scores are locked:--"
    }
    assert (sf.contact(people[2]) or {})["Social_Organic_Score__c"] == 12.5


def test_a_failed_job_fails_its_keys_and_the_push_goes_on(sf: SalesforceStub) -> None:
    push = bulk_world(sf)
    crm = bulk_adapter(sf, threshold=1)
    sf.bulk.fail_next_job = "InvalidBatch : Failed to process query"

    outcome = crm.push(push)

    contact_keys = {rk.contact(c) for c in contacts(2)} | {rk.erased(contacts(3)[2])}
    assert set(outcome.failed) == contact_keys
    assert all(r.startswith("BULK_JOB_FAILED: InvalidBatch") for r in outcome.failed.values())
    assert len(sf.influence()) == 3  # the next job ran
    assert (sf.opportunity(OPP) or {})["Social_Touches__c"] == 7


@pytest.mark.parametrize("seconds", [40.0, 120.0])
def test_a_job_that_cannot_finish_in_the_runs_time_is_aborted_and_the_next_run_converges(
    seconds: float,
) -> None:
    with stub() as clean:
        push = bulk_world(clean)
        assert bulk_adapter(clean, threshold=1).push(push).failed == {}
        expected = state(clean)
    with stub() as sf:
        push = bulk_world(sf)
        sleeps = Sleeps()

        def time_left() -> float:  # the run's budget, spent by the polls' pauses
            return seconds - sum(sleeps)

        crm = bulk_adapter(sf, threshold=1, sleeps=sleeps, time_left=time_left)
        # A slow org: one row committed every 5 polls, so the contacts' job of 3 rows is
        # part done when the run's time ends (after 6 polls at 40 s, 14 at 120 s).
        sf.bulk.chunk, sf.bulk.polls = 1, 5

        with pytest.raises(CrmStopped) as stopped:
            crm.push(push)

        assert stopped.value.reason == OUT_OF_TIME  # crm_sync ends the run as out of time
        # It waited as long as the run allowed, keeping the time the results' reads would take.
        assert seconds - 20 <= sum(sleeps) <= seconds - AFTER_POLLS
        assert max(sleeps) == 10
        [job] = sf.bulk.jobs.values()
        assert job.state == "Aborted"
        # Salesforce keeps the chunks committed before the abort; the rest never lands.
        committed = [c for c in contacts(2) if (sf.contact(c) or {}).get("Social_Organic_Score__c")]
        assert 0 < len(job.succeeded) < 3
        assert len(job.unprocessed) == 3 - len(job.succeeded)
        assert committed == contacts(2)[: len(job.succeeded)]
        # Every key is left for the next run, the committed ones too: an update by Id and an
        # upsert by Key__c sent again write the same values, so nothing lands twice.
        assert set(stopped.value.outcome.failed) == set(push.keys())

        again = bulk_adapter(sf, threshold=1).push(push)  # the next run, with time enough

        assert again.failed == {}
        assert state(sf) == expected


def test_the_stub_runs_a_job_as_salesforce_documents(sf: SalesforceStub) -> None:
    bulk_adapter(sf)
    token = next(c.authorization for c in sf.calls if c.authorization)
    http = urllib3.PoolManager()
    base = f"{sf.url}{sf.data_path}/jobs/ingest"
    headers = {"Authorization": token, "Content-Type": "application/json"}

    def send(method: str, url: str, body: str = "", **extra: str) -> urllib3.BaseHTTPResponse:
        return http.request(method, url, body=body.encode(), headers=headers | extra)

    # An upsert by a field that is not an External ID is refused.
    spec = '{"object": "Social_Influence__c", "operation": "upsert", "externalIdFieldName": '
    refused = send("POST", base, spec + '"Seller__c"}')
    assert refused.status == 400
    assert refused.json()[0]["errorCode"] == "INVALIDJOB"
    job = send("POST", base, spec + '"Key__c"}').json()
    assert job["state"] == "Open"
    assert job["contentUrl"].endswith(f"/{job['id']}/batches")
    upload = send(
        "PUT",
        f"{base}/{job['id']}/batches",
        f"Key__c,Opportunity__c,Amount__c\nk1,{OPP},5\n",
        **{"Content-Type": "text/csv"},
    )
    assert (upload.status, upload.data) == (201, b"")
    assert send("GET", f"{base}/{job['id']}/successfulResults/").status == 400  # not done
    assert send("PATCH", f"{base}/{job['id']}", '{"state": "UploadComplete"}').status == 200
    assert send("GET", f"{base}/{job['id']}").json()["state"] == "InProgress"
    done = send("GET", f"{base}/{job['id']}").json()
    assert (done["state"], done["numberRecordsFailed"]) == ("JobComplete", 1)
    failed = send("GET", f"{base}/{job['id']}/failedResults/")
    assert failed.headers["content-type"] == "text/csv"
    [row] = csv.DictReader(io.StringIO(failed.data.decode()))
    assert row["sf__Error"].startswith("INVALID_CROSS_REFERENCE_KEY:")  # no such opportunity
    assert row["Key__c"] == "k1"


def test_the_stub_commits_a_job_chunk_by_chunk_and_an_abort_keeps_what_was_committed(
    sf: SalesforceStub,
) -> None:
    people = contacts(3)
    for contact in people:
        sf.add_contact(contact)
    bulk_adapter(sf)
    token = next(c.authorization for c in sf.calls if c.authorization)
    http = urllib3.PoolManager()
    base = f"{sf.url}{sf.data_path}/jobs/ingest"
    headers = {"Authorization": token, "Content-Type": "application/json"}
    sf.bulk.chunk, sf.bulk.polls = 1, 1  # a row committed at each poll

    def send(method: str, url: str, body: str = "", **extra: str) -> urllib3.BaseHTTPResponse:
        return http.request(method, url, body=body.encode(), headers=headers | extra)

    job = send("POST", base, '{"object": "Contact", "operation": "update"}').json()["id"]
    rows = "".join(f"{c},7\n" for c in people)
    send(
        "PUT",
        f"{base}/{job}/batches",
        f"Id,Social_Organic_Score__c\n{rows}",
        **{"Content-Type": "text/csv"},
    )
    send("PATCH", f"{base}/{job}", '{"state": "UploadComplete"}')
    polls = [send("GET", f"{base}/{job}").json() for _ in range(2)]
    aborted = send("PATCH", f"{base}/{job}", '{"state": "Aborted"}').json()

    assert [(p["state"], p["numberRecordsProcessed"]) for p in polls] == [
        ("InProgress", 1),
        ("InProgress", 2),
    ]
    assert (aborted["state"], aborted["numberRecordsProcessed"]) == ("Aborted", 2)
    landed = [c for c in people if (sf.contact(c) or {}).get("Social_Organic_Score__c") == 7]
    assert landed == people[:2]  # committed before the abort, and kept
    done = csv.DictReader(
        io.StringIO(send("GET", f"{base}/{job}/successfulResults/").data.decode())
    )
    left = csv.DictReader(
        io.StringIO(send("GET", f"{base}/{job}/unprocessedrecords/").data.decode())
    )
    assert sorted(r["Id"] for r in done) == people[:2]
    assert [r["Id"] for r in left] == people[2:]


def clean_calls(sf: SalesforceStub, since: int) -> list[int]:
    """How many attempts each call of a clean push gets when its answer is lost: a read, a
    job's creation and a collection update are tried 3 times; an upload or a close once."""
    once = ("PUT", "PATCH")
    return [
        1 if c.kind == "bulk" and c.method in once else 3
        for c in sf.calls[since:]
        if c.kind != "token"
    ]


@pytest.mark.parametrize("fault", ["REQUEST_LIMIT_EXCEEDED", "answer lost"])
@pytest.mark.parametrize("nth", range(15))
def test_a_bulk_push_stopped_at_any_call_converges_when_pushed_again(fault: str, nth: int) -> None:
    with stub() as clean:
        push = bulk_world(clean)
        crm = bulk_adapter(clean, threshold=1)
        before = len(clean.calls)
        assert crm.push(push).calls == 15  # two jobs of 7, the headline's call
        expected, attempts = state(clean), clean_calls(clean, before)[nth]
    with stub() as sf:
        push = bulk_world(sf)
        crm = bulk_adapter(sf, threshold=1)
        if fault == "answer lost":
            sf.lose_next_answer(times=attempts, after=nth)
        else:
            sf.fail_next(403, after=nth)

        with pytest.raises(CrmStopped) as stopped:
            crm.push(push)
        again = crm.push(push)  # crm_sync's next run pushes what was not known written

        assert stopped.value.outcome.failed  # something was left for the next run
        assert again.failed == {}
        assert state(sf) == expected
