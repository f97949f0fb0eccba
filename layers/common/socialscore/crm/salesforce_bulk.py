"""Salesforce Bulk API 2.0 ingest jobs: the writes too big for sObject Collections.

Salesforce advises Bulk API 2.0 for an operation on more than 2,000 records and synchronous
calls (Composite, sObject Collections) below:
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/asynch_api_intro.htm
A job is, in calls:
1. create (`POST /jobs/ingest`: object, operation update or upsert, the External ID for an
   upsert), https://developer.salesforce.com/docs/platform/api-asynch/guide/create-job.html;
2. upload the CSV (`PUT .../batches`, 201, at most 100 MB before base64),
   https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.html;
3. close (`PATCH` state UploadComplete: processing starts only then),
   https://developer.salesforce.com/docs/platform/api-asynch/guide/close-job.html;
4. poll (`GET` the job) until JobComplete, Failed or Aborted: Salesforce processes in the
   background, so a job is not done at once,
   https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/bulk_api_2_job_states.htm;
5. read `successfulResults` (sf__Id, sf__Created, the row's own columns) and `failedResults`
   (sf__Id, sf__Error "CODE:message:fields", the row's columns), in no particular order:
   https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-successful-results.html
   A row is matched to its Push keys by the column that names its record (Id, or the External
   ID). A row in neither list was not processed (a Failed or Aborted job): its keys fail, and
   the next run sends them again; `unprocessedrecords` would list the same rows, for a call.

In the CSV an empty value leaves the field as it is and `#N/A` empties it:
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_csv_valid_record_rows.htm
Only updates and upserts go by Bulk: both can be sent twice without harm, so a job whose answer
was lost, or that the run left behind, is simply sent again by the next run. Creates (Tasks,
Cases) stay few and synchronous, each read back or refused as a duplicate.

A job is waited for only as long as the run's time budget allows (`time_left`, crm_sync's
budget less its reserve for saving the slice): when the next poll and the results' reads would
not fit, the job is aborted and the push stops with `OUT_OF_TIME`, and the next run sends the
same rows again in a new job. Aborted rather than left to finish and read next run: its keys
would have to be kept between runs, and a row it applied late could overwrite a newer value a
later run wrote. Aborting (`PATCH` state Aborted: "Salesforce doesn't process the job",
https://developer.salesforce.com/docs/platform/api-asynch/guide/abort-job.html) stops the rows
not yet processed; those already committed are not rolled back (as the Bulk API's own abort
page says, https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/asynch_api_jobs_abort.htm;
Salesforce commits a job batch by batch, one batch per 10,000 records,
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_understanding_bulk2_ingest.htm)
and hold what the next run sends again anyway: every key of an aborted job is left failed, and
an update by Id or an upsert by External ID sent twice writes the same values once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socialscore.aws.logs import logger
from socialscore.crm import salesforce_answers as answers
from socialscore.crm.base import OUT_OF_TIME, CrmStopped, Tracker
from socialscore.crm.salesforce_api import SalesforceApi
from socialscore.crm.salesforce_records import Item

BULK_THRESHOLD = 2000  # more records than this for one object: a Bulk API 2.0 job
NULL = "#N/A"  # a Bulk CSV's null; an empty value would leave the field unchanged
_DONE = frozenset({"JobComplete", "Failed", "Aborted"})
_CSV = {"Content-Type": "text/csv", "Accept": "text/csv"}
# Seconds kept, after the last poll, for the two results' reads (tens of thousands of CSV
# rows) or the abort.
AFTER_POLLS = 10.0


@dataclass(frozen=True)
class BulkWrite:
    """What one job does: `operation` (update or upsert) on `sobject`, each record named by
    `key_field` (Id for an update, the External ID field for an upsert)."""

    sobject: str
    operation: str
    key_field: str = "Id"


class Bulk:
    def __init__(
        self,
        api: SalesforceApi,
        sleep: Callable[[float], None],
        *,
        time_left: Callable[[], float],
        poll: float = 1.0,
        poll_max: float = 10.0,
    ) -> None:
        self._api = api
        self._sleep = sleep
        self._time_left = time_left  # seconds the run may still spend on this push
        self._poll, self._poll_max = poll, poll_max

    def write(
        self, job: BulkWrite, items: list[Item], tracker: Tracker, fine: frozenset[str]
    ) -> None:
        """Write `items` in one job and settle each key in `tracker`; raises CrmStopped when
        Salesforce stops the run, or OUT_OF_TIME when the job cannot finish within the run's
        time (then aborted)."""
        rows = [_row(record) for _, record in items]
        keys = {row[job.key_field]: k for row, (k, _) in zip(rows, items, strict=True)}
        base = f"{self._api.data_path}/jobs/ingest"
        spec: dict[str, Any] = {
            "object": job.sobject,
            "operation": job.operation,
            "contentType": "CSV",
            "lineEnding": "LF",
        }
        if job.operation == "upsert":
            spec["externalIdFieldName"] = job.key_field
        # A create whose answer was lost leaves an empty Open job, which Salesforce drops: safe
        # to send again. The upload and the close are not repeated: the next run sends anew.
        created = self._api.call("POST", base, spec)
        job_id = str(created.get("id") or "") if isinstance(created, dict) else ""
        if not job_id:
            logger().error("Salesforce Bulk job not created: no id in the answer")
            raise CrmStopped("unreadable_answer")
        self._api.send("PUT", f"{base}/{job_id}/batches", _csv(rows), _CSV, idempotent=False)
        self._api.call("PATCH", f"{base}/{job_id}", {"state": "UploadComplete"}, idempotent=False)
        info = self._finished(f"{base}/{job_id}")
        read: list[answers.Answer] = []
        for row in self._results(f"{base}/{job_id}/successfulResults/"):
            read.append((keys.pop(row.get(job.key_field, ""), []), {"success": True}))
        for row in self._results(f"{base}/{job_id}/failedResults/"):
            code, _, message = row.get("sf__Error", "").partition(":")
            errors = [{"statusCode": code, "message": message}]
            read.append((keys.pop(row.get(job.key_field, ""), []), {"errors": errors}))
        answers.settle(tracker, [a for a in read if a[0]], fine)
        state = str(info.get("state"))
        if keys:  # neither succeeded nor failed: the job ended before them
            unprocessed = [k for item_keys in keys.values() for k in item_keys]
            reason = f"BULK_JOB_{state.upper()}: {info.get('errorMessage') or 'not processed'}"
            answers.failed_with(tracker, unprocessed, [f"BULK_JOB_{state.upper()}"], reason)
        logger().info(
            "Salesforce Bulk job done",
            extra={"job": job_id, "object": job.sobject, "state": state, "records": len(rows)},
        )

    def _finished(self, path: str) -> dict[str, Any]:
        pause = self._poll
        while True:
            info = self._api.call("GET", path)
            info = info if isinstance(info, dict) else {}
            if info.get("state") in _DONE:
                return info
            if self._time_left() < pause + AFTER_POLLS:
                # Aborted, so no stale row lands after a later run wrote newer values.
                self._api.call("PATCH", path, {"state": "Aborted"}, idempotent=False)
                logger().warning("Salesforce Bulk job not done within the run's time: aborted")
                raise CrmStopped(OUT_OF_TIME)
            self._sleep(pause)
            pause = min(pause * 2, self._poll_max)

    def _results(self, path: str) -> list[dict[str, str]]:
        answer = self._api.send("GET", path, None, {"Accept": "text/csv"})
        text = answer.body.decode("utf-8")
        return list(csv.DictReader(io.StringIO(text))) if text.strip() else []


def _row(record: dict[str, Any]) -> dict[str, str]:
    """An sObject record as a CSV row: `id` is the Id column, null is #N/A."""
    row = {}
    for name, value in record.items():
        if name == "attributes":
            continue
        row["Id" if name == "id" else name] = _value(value)
    return row


def _value(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(rows: list[dict[str, str]]) -> bytes:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    # A column a row lacks is written empty: Salesforce leaves that field as it is.
    writer = csv.DictWriter(out, columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
