"""Activities in Salesforce: one Social_Activity__c record per interaction, looked up to its
Contact (a "Social Activities" related list on the contact page), upserted by the unique
External ID Interaction_Id__c, deleted on a retraction or an erasure.

Why a custom object and not completed Tasks:
- Tasks are archived: Salesforce archives closed Tasks whose due date is more than a year past,
  and Query no longer answers them, only QueryAll
  (developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_queryall.htm): a
  year-old interaction would drop out of reports and list views, while attribution still
  credits touches from its lookback window. A custom object's records stay.
- Tasks carry the sellers' own work: a record per like would bury their calls and emails in the
  Activity History and count in every activity report and productivity dashboard.
- A custom object takes a report type of its own (contacts with social activities), a Unique
  External ID for idempotent upserts, and the same Bulk API 2.0 path as the influence breakdown
  (Social_Influence__c); both count against data storage alike (2 KB a record).
Hot-lead follow-ups stay Tasks: those are work for a seller.

Calls: ceil(n / 200) sObject Collections upserts for n activities (developer.salesforce.com/docs/
atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm), or past 2,000
one Bulk API 2.0 upsert job (about 6 calls, salesforce_bulk) as the breakdowns; a removal reads
the records' Ids by Interaction_Id__c (200 a query) and deletes them 200 a call (one already
gone is done).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socialscore.aws.batch import chunks
from socialscore.crm import salesforce_answers as answers
from socialscore.crm.base import Tracker
from socialscore.crm.salesforce_answers import GONE
from socialscore.crm.salesforce_api import Refused, SalesforceApi
from socialscore.crm.salesforce_bulk import BulkWrite
from socialscore.crm.salesforce_records import (
    MAX_RECORDS,
    TEXT_MAX,
    Item,
    chunks_for_soql,
    in_list,
    merged,
)
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal, title

ACTIVITY = "Social_Activity__c"
ACTIVITY_KEY = "Interaction_Id__c"  # Text(64), External ID, Unique, case-sensitive
NAME_MAX = 80  # a custom object's Name: Text(80)
UPSERT = BulkWrite(ACTIVITY, "upsert", ACTIVITY_KEY)
UPSERT_PATH = f"/{ACTIVITY}/{ACTIVITY_KEY}"


def activity_record(a: Activity) -> dict[str, Any]:
    return {
        "attributes": {"type": ACTIVITY},
        ACTIVITY_KEY: a.id,
        "Name": title(a)[:NAME_MAX],
        "Contact__c": a.contact_id,
        "Network__c": a.network.value,
        "Kind__c": a.kind.value,
        "Post_Link__c": (a.post_link or "")[:TEXT_MAX] or None,
        "Seller__c": a.seller_id,
        "Paid__c": a.paid,
        "Points__c": a.points,
        "Intent__c": a.intent,
        "Complaint__c": a.complaint,
        "Occurred_At__c": a.occurred_at.isoformat().replace("+00:00", "Z"),
    }


def activity_items(activities: Sequence[Activity]) -> list[Item]:
    return merged((a.id, rk.activity(a.id), activity_record(a)) for a in activities)


def ids_query(keys: Sequence[str]) -> str:
    where = f"{ACTIVITY_KEY} IN {in_list(keys)}"
    return f"SELECT Id, {ACTIVITY_KEY} FROM {ACTIVITY} WHERE {where}"  # noqa: S608


def remove(api: SalesforceApi, tracker: Tracker, removals: Sequence[Removal]) -> None:
    """Delete the records of these interactions; one not there (never written, or gone) is done."""
    by_key = {r.id: rk.activity(r.id) for r in removals}
    for chunk in chunks_for_soql(list(by_key)):
        try:
            rows = api.query(ids_query(chunk))
        except Refused as refused:
            answers.refused(tracker, [by_key[k] for k in chunk], refused)
            continue
        # Exact matches only: SOQL compares text without case; the ids are case-sensitive.
        found = {str(r[ACTIVITY_KEY]): str(r["Id"]) for r in rows if r.get(ACTIVITY_KEY) in by_key}
        tracker.ok(by_key[k] for k in chunk if k not in found)
        owner = {record_id: by_key[key] for key, record_id in found.items()}
        for ids in chunks(list(owner), MAX_RECORDS):
            try:
                results = api.delete(ids)
            except Refused as refused:
                answers.refused(tracker, [owner[i] for i in ids], refused)
                continue
            settled = [([owner[i]], r) for i, r in zip(ids, results, strict=True)]
            answers.settle(tracker, settled, GONE)
