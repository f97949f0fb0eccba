"""Bulk API 2.0 ingest jobs on the Salesforce stub's org, as Salesforce runs them
(https://developer.salesforce.com/docs/platform/api-asynch/guide/create-job.html and the pages
beside it):

- `POST /jobs/ingest` opens a job (Open): one object, operation insert, update, upsert or
  delete, CSV only; an upsert names an External ID field (`externalIdFieldName`), or the job is
  refused;
- `PUT /jobs/ingest/{id}/batches` takes the CSV (201, no body) while the job is Open;
- `PATCH /jobs/ingest/{id}` with state UploadComplete closes it (processing starts only then),
  or with Aborted cancels it;
- the job is not done at once, nor all at once: Salesforce cuts a job's data into one batch per
  10,000 records and commits each batch as it is processed
  (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_understanding_bulk2_ingest.htm).
  Here time is the client's polls: each `GET /jobs/ingest/{id}` after the close is one, and
  every `polls`-th poll commits the next `chunk` rows; the job is InProgress (with
  `numberRecordsProcessed` so far) until its last chunk, then JobComplete. A column the object
  lacks fails the whole job before any row, as does `fail_next_job`;
- an abort (`PATCH` state Aborted, while Open, UploadComplete or InProgress) stops the chunks
  not yet processed and keeps the ones committed: "When a job is aborted, no more records are
  processed. If changes to data have already been committed, they aren't rolled back"
  (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/asynch_api_jobs_abort.htm);
  its rows not reached are `unprocessedrecords/` ("for failed or aborted jobs",
  https://developer.salesforce.com/docs/platform/api-asynch/guide/get-job-unprocessed-results.html);
- `successfulResults/` (sf__Id, sf__Created, then the row's columns), `failedResults/` (sf__Id,
  sf__Error "CODE:message:fields", the row's columns) and `unprocessedrecords/` (the row's
  columns) are CSV, once the job is done, in no particular order (here: reversed).

Each row is written through the same per-record checks as sObject Collections. In a row an empty
value leaves the field alone and `#N/A` empties it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from socialscore_local.crm_stubs.salesforce_collections import Collections, Failure
from socialscore_local.crm_stubs.salesforce_org import Org, stamp
from socialscore_local.crm_stubs.salesforce_server import NO_BODY, Csv

_OPERATIONS = ("insert", "update", "upsert", "delete")
_DONE = ("JobComplete", "Failed", "Aborted")
_NULL = "#N/A"


@dataclass
class Job:
    id: str
    sobject: str
    operation: str
    external_id: str | None
    line_ending: str
    created: str
    state: str = "Open"
    data: str | None = None
    polls: int = 0
    rows: list[dict[str, str]] | None = None  # the upload's rows, once the job is processed
    done: int = 0  # rows committed so far
    error: str = ""
    succeeded: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    unprocessed: list[dict[str, str]] = field(default_factory=list)


class BulkJobs:
    def __init__(self, org: Org, collections: Collections, api_version: str, owner: str) -> None:
        self.org, self.collections = org, collections
        self.api_version, self.owner = api_version, owner
        self.jobs: dict[str, Job] = {}
        self.polls = 2  # polls each chunk takes to be processed
        self.chunk = 10_000  # rows a chunk: Salesforce's batch size
        self.fail_next_job: str | None = None  # the errorMessage of the next job closed

    def handle(self, method: str, rest: str, body: Any, raw: bytes) -> tuple[int, Any]:
        parts = [p for p in rest.split("/") if p]
        if not parts and method == "POST":
            return 200, self._info(self._create(body))
        job = self.jobs.get(parts[0]) if parts else None
        if job is None:
            raise Failure(404, "NOT_FOUND", "The requested resource does not exist")
        if parts[1:] == ["batches"] and method == "PUT":
            if job.state != "Open":
                raise Failure(409, "INVALIDJOBSTATE", f"Job is in state {job.state}: not Open")
            job.data = raw.decode("utf-8")
            return 201, NO_BODY
        if len(parts) == 1 and method == "PATCH":
            return 200, self._info(self._move(job, (body or {}).get("state")))
        if len(parts) == 1 and method == "GET":
            return 200, self._info(self._poll(job))
        if len(parts) == 2 and method == "GET":
            return 200, self._results(job, parts[1])
        raise Failure(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed")

    # --- the job's life ------------------------------------------------------------------
    def _create(self, spec: Any) -> Job:
        spec = spec if isinstance(spec, dict) else {}
        sobject, operation = spec.get("object"), spec.get("operation")
        if sobject not in self.org.fields:
            raise Failure(400, "INVALIDJOB", f"InvalidJob : Invalid object: {sobject}")
        if operation not in _OPERATIONS or spec.get("contentType", "CSV") != "CSV":
            raise Failure(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        external = spec.get("externalIdFieldName")
        if operation == "upsert":
            meta = self.org.custom.get(sobject, {}).get(str(external), {})
            if meta.get("externalId") != "true":
                message = f"InvalidJob : External ID was blank or not an External ID: {external}"
                raise Failure(400, "INVALIDJOB", message)
        job_id = f"750STUB{len(self.jobs) + 1:08d}AAA"
        job = Job(job_id, sobject, operation, external, spec.get("lineEnding", "LF"), stamp())
        self.jobs[job_id] = job
        return job

    def _move(self, job: Job, state: Any) -> Job:
        if state == "UploadComplete" and job.state == "Open":
            job.state = "UploadComplete"
        elif state == "Aborted" and job.state not in _DONE:
            job.state = "Aborted"  # the chunks committed stay; the rest is never processed
            job.unprocessed = (job.rows or [])[job.done :]
        else:
            raise Failure(400, "INVALIDJOBSTATE", f"Job is in state {job.state}: not {state}")
        return job

    def _poll(self, job: Job) -> Job:
        if job.state in ("UploadComplete", "InProgress"):
            job.polls += 1
            job.state = "InProgress"
            if job.polls % self.polls == 0:
                self._process(job)
        return job

    def _process(self, job: Job) -> None:
        """The job's next chunk, committed; the job complete after its last."""
        if job.rows is None:
            rows = list(csv.DictReader(io.StringIO(job.data or ""))) if job.data else []
            columns = list(rows[0]) if rows else []
            unknown = [c for c in columns if c not in self.org.fields[job.sobject]]
            if self.fail_next_job is not None or unknown or not rows:
                job.error = self.fail_next_job or (
                    f"InvalidBatch : Field name not found : {unknown[0]}" if unknown else "No data"
                )
                self.fail_next_job = None
                job.state, job.unprocessed = "Failed", rows
                return
            job.rows = rows
        for row in job.rows[job.done : job.done + self.chunk]:
            self._write(job, row)
        job.done = min(job.done + self.chunk, len(job.rows))
        if job.done == len(job.rows):
            job.state = "JobComplete"

    def _write(self, job: Job, row: dict[str, str]) -> None:
        record: dict[str, Any] = {"attributes": {"type": job.sobject}}
        for name, text in row.items():
            if text != "":  # an empty value leaves the field as it is
                record["id" if name == "Id" else name] = self._typed(job.sobject, name, text)
        try:
            self.collections.check_values(record)
            if job.operation == "update":
                result = self.collections.update(record)
            elif job.operation == "upsert":
                assert job.external_id is not None
                result = self.collections.upsert(job.sobject, job.external_id, record)
            elif job.operation == "insert":
                result = self.collections.create(record)
            else:
                result = self.collections.remove(str(record.get("id")))
        except Failure as err:
            result = {"id": None, "success": False, "errors": [_error(err.code, err.message)]}
        if result.get("success"):
            created = "true" if result.get("created") or job.operation == "insert" else "false"
            job.succeeded.append({"sf__Id": result["id"] or "", "sf__Created": created} | row)
        else:
            errors = result.get("errors") or [{}]
            first = errors[0]
            fields = ",".join(first.get("fields") or []) or "--"
            text = f"{first.get('statusCode')}:{first.get('message')}:{fields}"
            job.failed.append({"sf__Id": result.get("id") or "", "sf__Error": text} | row)

    def _typed(self, sobject: str, name: str, text: str) -> Any:
        """A CSV value as the field's type reads it: Salesforce parses the text per field."""
        if text == _NULL:
            return None
        kind = self.org.custom.get(sobject, {}).get(name, {}).get("type")
        if kind in ("Number", "Currency"):
            try:
                return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
            except ValueError:
                return text  # refused by the value checks, as Salesforce refuses it
        if kind == "Checkbox" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        return text

    # --- answers -------------------------------------------------------------------------
    def _info(self, job: Job) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": job.id,
            "operation": job.operation,
            "object": job.sobject,
            "createdById": self.owner,
            "createdDate": job.created,
            "systemModstamp": stamp(),
            "state": job.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version.removeprefix("v")),
            "jobType": "V2Ingest",
            "lineEnding": job.line_ending,
            "columnDelimiter": "COMMA",
        }
        if job.external_id:
            info["externalIdFieldName"] = job.external_id
        if job.state == "Open":
            info["contentUrl"] = f"services/data/{self.api_version}/jobs/ingest/{job.id}/batches"
        if job.state in ("InProgress", *_DONE):  # so far, while in progress
            info["numberRecordsProcessed"] = len(job.succeeded) + len(job.failed)
            info["numberRecordsFailed"] = len(job.failed)
        if job.error:
            info["errorMessage"] = job.error
        return info

    def _results(self, job: Job, which: str) -> Csv:
        if job.state not in _DONE:
            raise Failure(400, "INVALIDJOBSTATE", f"Job is in state {job.state}: not done")
        rows = {
            "successfulResults": job.succeeded,
            "failedResults": job.failed,
            "unprocessedrecords": job.unprocessed,
        }.get(which)
        if rows is None:
            raise Failure(404, "NOT_FOUND", "The requested resource does not exist")
        if not rows:
            return Csv("")
        out = io.StringIO()
        writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(reversed(rows))  # Salesforce keeps no order: neither does the stub
        return Csv(out.getvalue())


def _error(code: str, message: str) -> dict[str, Any]:
    return {"statusCode": code, "message": message, "fields": []}
