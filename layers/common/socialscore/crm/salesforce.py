"""Salesforce as the CRM (`CrmAdapter=salesforce`): opportunities in by SOQL, credit out through
sObject Collections (200 records a call) or, past 2,000 records of one object, a Bulk API 2.0
job, in the objects marketing ops report on. The 200: developer.salesforce.com/docs/
atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm.

- Read (salesforce_read): opportunities whose SystemModstamp, or one of whose contact roles',
  is at or after the checkpoint, with their contacts (OpportunityContactRole), every page.
  Currency: CurrencyIsoCode in a multi-currency org, else the org's DefaultCurrencyIsoCode (a
  single-currency org has no CurrencyIsoCode field: "Available only for organizations with the
  multicurrency feature enabled", developer.salesforce.com/docs/atlas.en-us.object_reference.
  meta/object_reference/sforce_api_objects_opportunity.htm).
- Write, allOrNone=false, each result read record by record: the contacts' scores (and an
  erasure's cleared fields) by Contact Id; the headline on the Opportunity by Id; the breakdown
  as Social_Influence__c upserted by Key__c (a re-run updates, never duplicates); the retired
  breakdown records found by Key__c and deleted (one already gone is no failure); one Task per
  hot profile, owned by the contact's owner. More than `bulk_threshold` records of one of the
  first three objects go in one Bulk API 2.0 job instead (salesforce_bulk), results read back
  per key. A record deleted or merged away (ENTITY_IS_DELETED) is done: nothing is left to
  write on it, and an erasure of a contact merged into another completes.
- A hot-lead Task is opened once per profile even when a push is retried: the Task carries the
  profile in Social_Hot_Lead_Key__c, and the push first reads by QueryAll, through the contacts
  (WhoId is indexed), the Tasks already opened for its profiles, archived ones included (Query
  leaves those out); only the missing ones are created, and a create is never repeated within
  a run (the next run finds what a lost answer created). An upsert by an External ID on Task
  would reopen a Task the seller had closed. A contact deleted or merged away gets no Task.
- A complaint opens one Case on the contact, created (never upserted: an agent's edits stand)
  with its key in the Unique External ID Social_Complaint_Key__c: a second create of the key is
  refused DUPLICATE_VALUE, which counts as opened. No read first: one call per 200 cases.
- Calls: ceil(records / 200) for each object written, or about 6 + the polls for a Bulk job,
  plus the retired keys' and the hot contacts' lookups (200 a query), plus one currency probe
  per container.
- A record Salesforce refuses (INVALID_CROSS_REFERENCE_KEY, FIELD_CUSTOM_VALIDATION_EXCEPTION,
  ...) is in `failed` under its Push key with Salesforce's codes and messages, and logged with
  its key and codes only; the others go on. A stopped run (daily limit, Salesforce unavailable,
  a Bulk job that cannot finish within `time_left`: OUT_OF_TIME) raises CrmStopped whose
  outcome lists, as failed, every key not known written.

Activities (each interaction on its contact: Social_Activity__c) go the same ways, upserted by
Interaction_Id__c: salesforce_activities.

CampaignInfluence is not written: socialscore credits sellers and posts, not Campaigns, so the
rows would need a Campaign per post to hang on, and a locked custom attribution model that an
admin must create first; Social_Influence__c reports the same amounts by seller, post and
network without either.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import urllib3

from socialscore.aws.batch import chunks
from socialscore.aws.config import ConfigurationError
from socialscore.aws.http import shared_pool
from socialscore.aws.logs import logger
from socialscore.crm import salesforce_activities as activities
from socialscore.crm import salesforce_answers as answers
from socialscore.crm.base import CrmStopped, Push, PushOutcome, Tracker
from socialscore.crm.salesforce_answers import GONE
from socialscore.crm.salesforce_api import Refused, SalesforceApi
from socialscore.crm.salesforce_bulk import BULK_THRESHOLD, Bulk, BulkWrite
from socialscore.crm.salesforce_read import changed_opportunities
from socialscore.crm.salesforce_records import (
    INFLUENCE,
    INFLUENCE_KEY,
    MAX_RECORDS,
    TASK_KEY,
    Item,
    chunks_for_soql,
    complaint_case,
    contact_records,
    contacts_for_tasks_query,
    external_key,
    hot_lead_task,
    influence_ids_query,
    influence_record,
    literal_cost,
    merged,
    opportunity_headline,
)
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.opportunity import HotLeadTask, Opportunity
from socialscore.domain.record_key import RecordKey

# A case whose key is taken was opened by an earlier push whose answer was lost. The key's field
# is a Unique External ID, and DUPLICATE_VALUE is "You can't supply a duplicate value for a field
# that must be unique" (StatusCode,
# https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm).
_OPENED = frozenset({"DUPLICATE_VALUE"})
_CONTACTS = BulkWrite("Contact", "update")
_HEADLINES = BulkWrite("Opportunity", "update")
_BREAKDOWN = BulkWrite(INFLUENCE, "upsert", INFLUENCE_KEY)


class SalesforceCrm:
    name = "salesforce"
    activity_batch = MAX_RECORDS

    def __init__(
        self,
        credentials: Callable[[bool], Mapping[str, Any]],
        api_version: str = "v62.0",
        *,
        pool: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        bulk_threshold: int = BULK_THRESHOLD,
        time_left: Callable[[], float] = lambda: math.inf,
    ) -> None:
        """`time_left`: seconds the run may still spend pushing (crm_sync's budget): a Bulk job
        is waited for that long at most."""
        if not re.fullmatch(r"v\d+\.0", api_version):
            raise ConfigurationError(f"Salesforce API version must be like v62.0: {api_version!r}")
        self._api = SalesforceApi(
            credentials,
            api_version,
            pool=pool if pool is not None else shared_pool(),
            sleep=sleep,
            # A 200-record upsert can take tens of seconds when the org runs triggers on it.
            timeout=urllib3.Timeout(connect=5.0, read=60.0),
        )
        self._bulk = Bulk(self._api, sleep, time_left=time_left)
        self._bulk_threshold = bulk_threshold

    @property
    def calls(self) -> int:
        """REST API calls made so far (token requests are not API calls)."""
        return self._api.calls

    # --- read ----------------------------------------------------------------------------
    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        try:
            return changed_opportunities(self._api, since)
        except Refused as refused:
            logger().error(
                "Salesforce refused the opportunities query", extra={"code": refused.code}
            )
            raise CrmStopped(refused.code) from None
        finally:
            self._api.log_usage()

    # --- write ---------------------------------------------------------------------------
    def push(self, push: Push) -> PushOutcome:
        return self._run(push.keys(), lambda tracker: self._push(push, tracker))

    def _push(self, push: Push, tracker: Tracker) -> None:
        self._update(tracker, _CONTACTS, "", contact_records(push))
        headlines = (
            (i.opportunity_id, rk.opportunity(i.opportunity_id), opportunity_headline(i))
            for i in push.influences
        )
        self._update(tracker, _HEADLINES, "", merged(headlines))
        self._upsert_records(push, tracker)
        self._retire(push.retired, tracker)
        self._open_tasks(push.hot_leads, tracker)
        cases = [([RecordKey.of(c)], complaint_case(c)) for c in push.complaints]
        self._write(tracker, "POST", "", cases, _OPENED)

    def push_activities(self, acts: Sequence[Activity]) -> PushOutcome:
        items = activities.activity_items(acts)
        return self._run(
            [rk.activity(a.id) for a in acts],
            lambda t: self._update(t, activities.UPSERT, activities.UPSERT_PATH, items),
        )

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        keys = [rk.activity(r.id) for r in removals]
        return self._run(keys, lambda t: activities.remove(self._api, t, removals))

    def _run(self, keys: list[RecordKey], work: Callable[[Tracker], None]) -> PushOutcome:
        """`work` under a tracker of `keys`: a stop (CrmStopped, or a refusal of the whole
        call) carries what landed before it and fails the rest; the API's usage is logged."""
        tracker = Tracker(keys)
        start = self._api.calls
        try:
            work(tracker)
        except (CrmStopped, Refused) as stop:
            reason = stop.reason if isinstance(stop, CrmStopped) else stop.code
            unwritten = f"{reason}: not written (the run stopped)"
            raise CrmStopped(reason, tracker.outcome(self._api.calls - start, unwritten)) from None
        finally:
            self._api.log_usage()
        return tracker.outcome(self._api.calls - start)

    def _update(self, tracker: Tracker, job: BulkWrite, path: str, items: list[Item]) -> None:
        """Updates or upserts: in one Bulk job past the threshold, else 200 a call."""
        if len(items) > self._bulk_threshold:
            self._bulk.write(job, items, tracker, GONE)
        else:
            self._write(tracker, "PATCH", path, items, GONE)

    def _write(
        self,
        tracker: Tracker,
        method: str,
        path: str,
        items: list[Item],
        fine: frozenset[str] = frozenset(),
    ) -> None:
        for chunk in chunks(items, MAX_RECORDS):
            try:
                results = self._api.collection(method, path, [record for _, record in chunk])
            except Refused as refused:
                answers.refused(tracker, [k for keys, _ in chunk for k in keys], refused)
                continue
            answers.settle(
                tracker,
                [(keys, result) for (keys, _), result in zip(chunk, results, strict=True)],
                fine,
            )

    def _upsert_records(self, push: Push, tracker: Tracker) -> None:
        if not push.records:
            return
        multi = self._api.org_currency().multi  # known after the run's read: no call
        records = (
            (external_key(r.key), rk.influence(r.key), influence_record(r, multi_currency=multi))
            for r in push.records
        )
        self._update(tracker, _BREAKDOWN, f"/{INFLUENCE}/{INFLUENCE_KEY}", merged(records))

    def _retire(self, retired: Sequence[str], tracker: Tracker) -> None:
        by_external = {external_key(k): rk.retired(k) for k in retired}
        for chunk in chunks_for_soql(list(by_external)):
            try:
                rows = self._api.query(influence_ids_query(chunk))
            except Refused as refused:
                answers.refused(tracker, [by_external[k] for k in chunk], refused)
                continue
            # Exact matches only: SOQL compares text without case, Key__c is case-sensitive.
            found = {
                str(r[INFLUENCE_KEY]): str(r["Id"])
                for r in rows
                if r.get(INFLUENCE_KEY) in by_external
            }
            tracker.ok(by_external[k] for k in chunk if k not in found)  # gone already
            owner = {record_id: by_external[key] for key, record_id in found.items()}
            for ids in chunks(list(owner), MAX_RECORDS):
                try:
                    results = self._api.delete(ids)
                except Refused as refused:
                    answers.refused(tracker, [owner[i] for i in ids], refused)
                    continue
                settled = [([owner[i]], r) for i, r in zip(ids, results, strict=True)]
                answers.settle(tracker, settled, GONE)

    def _open_tasks(self, hot_leads: Sequence[HotLeadTask], tracker: Tracker) -> None:
        by_contact: dict[str, dict[str, HotLeadTask]] = {}
        for task in hot_leads:
            by_contact.setdefault(task.contact_id, {})[task.profile] = task

        def cost(contact: str) -> int:
            return literal_cost(contact) + sum(literal_cost(p) for p in by_contact[contact])

        create: list[Item] = []
        for chunk in chunks_for_soql(list(by_contact), cost):
            tasks = [t for c in chunk for t in by_contact[c].values()]
            query = contacts_for_tasks_query(chunk, [t.profile for t in tasks])
            try:
                rows = self._api.query(query, all_rows=True)  # archived Tasks, deleted contacts
            except Refused as refused:
                answers.refused(tracker, [rk.hot(t.profile) for t in tasks], refused)
                continue
            contacts = {str(r["Id"]): r for r in rows}
            live = {c: r for c, r in contacts.items() if r.get("IsDeleted") is not True}
            tracker.owners |= {c: str(r["OwnerId"]) for c, r in live.items() if r.get("OwnerId")}
            for task in tasks:
                key = rk.hot(task.profile)
                row = contacts.get(task.contact_id)
                if row is None:
                    missing = "NOT_FOUND: no Contact with this Id"
                    answers.failed_with(tracker, [key], ["NOT_FOUND"], missing)
                elif task.contact_id not in live:
                    answers.gone(tracker, [key])
                elif task.profile in _opened(row):
                    tracker.ok([key])  # a retried push: the Task is there already
                else:
                    create.append(([key], hot_lead_task(task, str(row["OwnerId"]))))
        self._write(tracker, "POST", "", create)


def _opened(contact: Mapping[str, Any]) -> set[str]:
    tasks = (contact.get("Tasks") or {}).get("records") or []
    return {str(t.get(TASK_KEY)) for t in tasks}
