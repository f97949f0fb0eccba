"""What the Salesforce adapter reads and writes, as Salesforce names it: SOQL text and the sObject
payloads built from a Push (the opportunities parsed from query rows: salesforce_read).

Every field written here is shipped as metadata under salesforce/force-app (a test reads the
XML and fails when a name here has no field there), so code and org cannot drift.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from socialscore.crm.base import Push, complaint_text
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    OpportunityInfluence,
)
from socialscore.domain.record_key import RecordKey

MAX_RECORDS = 200  # sObject Collections: at most 200 records (or ids) a call
INFLUENCE = "Social_Influence__c"
INFLUENCE_KEY = "Key__c"  # Text(255), External ID, Unique: the upsert key
TASK_KEY = "Social_Hot_Lead_Key__c"  # on Activity: the profile a hot-lead Task was opened for
LAST_ORGANIC_TOUCH = "Social_Last_Organic_Touch__c"  # DateTime
# Multi-select picklist, not restricted: a bucket added to the model lands with no metadata change.
BUCKETS = "Social_Buckets__c"
CONTACT_FIELDS = (
    "Social_Organic_Score__c",
    "Social_Paid_Score__c",
    "Social_Model_Version__c",
    LAST_ORGANIC_TOUCH,
    BUCKETS,
)
TASK_SUBJECT = "Hot lead: social engagement"
TASK_STATUS = "Not Started"
# On Case: Text(255), External ID, Unique (case-sensitive). A create of a key already there is
# refused DUPLICATE_VALUE, which is how a push retried after a lost answer opens no second case.
CASE_KEY = "Social_Complaint_Key__c"
CASE_ORIGIN = "Web"  # Case Origin's values differ by org; Web is one every org starts with
CASE_PRIORITY = "High"  # a complaint in public wants an answer soon
TEXT_MAX = 255
# A GET URL carries the SOQL: Salesforce refuses URIs past about 16 KB, so a lookup by many
# long keys is cut in calls of at most this many characters of literals (200 usual keys fit).
SOQL_LITERALS_MAX = 8000


def _attributes(sobject: str) -> dict[str, str]:
    return {"type": sobject}


def contact_scores(score: ContactScore) -> dict[str, Any]:
    """An update by record Id: the contact id IS the Salesforce Contact Id."""
    return {
        "attributes": _attributes("Contact"),
        "id": score.contact_id,
        "Social_Organic_Score__c": score.organic_score,
        "Social_Paid_Score__c": score.paid_score,
        "Social_Model_Version__c": score.model_version,
        # null empties the field: a contact whose organic touches were all taken back has none.
        LAST_ORGANIC_TOUCH: _datetime(score.last_organic_touch),
        BUCKETS: ";".join(score.buckets) or None,  # a multi-select's values; null empties it
    }


def _datetime(moment: datetime | None) -> str | None:
    """A DateTime field's value: ISO 8601 in UTC, to the millisecond Salesforce keeps."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def erased_contact(contact_id: str) -> dict[str, Any]:
    """The contact stays (it is the CRM's); only what socialscore wrote on it is cleared."""
    return {"attributes": _attributes("Contact"), "id": contact_id} | dict.fromkeys(CONTACT_FIELDS)


def opportunity_headline(influence: OpportunityInfluence) -> dict[str, Any]:
    # Social_Attributed_Amount__c is a Currency field: it is in the opportunity's own currency,
    # which is the currency attribution worked in.
    return {
        "attributes": _attributes("Opportunity"),
        "id": influence.opportunity_id,
        "Social_Attributed_Amount__c": float(influence.attributed_amount),
        "Social_Attribution_Model__c": influence.attribution_model,
        "Social_Touches__c": influence.touches,
    }


def influence_record(record: InfluenceRecord, *, multi_currency: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "attributes": _attributes(INFLUENCE),
        INFLUENCE_KEY: external_key(record.key),
        "Opportunity__c": record.opportunity_id,
        "Model__c": record.model,
        "Seller__c": record.seller_id,
        "Team__c": record.team,
        "Post__c": record.post[:TEXT_MAX] if record.post else None,  # for reading; Key__c is whole
        "Network__c": record.network,
        "Amount__c": float(record.amount),
        "Currency__c": record.currency,
        "Touches__c": record.touches,
        "Primary_Model__c": record.primary,  # Checkbox: what a report sums, one model's worth
    }
    if multi_currency:
        # A Currency field is in its record's CurrencyIsoCode (a multi-currency org only has
        # that field); without it Amount__c would read in the integration user's currency.
        fields["CurrencyIsoCode"] = record.currency
    return fields


def hot_lead_task(task: HotLeadTask, owner_id: str) -> dict[str, Any]:
    return {
        "attributes": _attributes("Task"),
        "WhoId": task.contact_id,
        "OwnerId": owner_id,
        "Subject": TASK_SUBJECT,
        "Status": TASK_STATUS,
        "Description": (
            f"Organic social score {task.organic_score:.2f} crossed the hot-lead threshold "
            f"{task.threshold:.2f} (profile {task.profile})."
        ),
        TASK_KEY: task.profile,
    }


def complaint_case(case: ComplaintCase) -> dict[str, Any]:
    """A new Case on the contact, routed by the org's case assignment rules (the REST API runs
    the active rule unless told not to), so support, not the integration user, owns it."""
    subject, description = complaint_text(case)
    return {
        "attributes": _attributes("Case"),
        "ContactId": case.contact_id,
        "Subject": subject[:TEXT_MAX],
        "Description": description,
        "Origin": CASE_ORIGIN,
        "Priority": CASE_PRIORITY,
        CASE_KEY: external_key(case.key),
    }


def external_key(key: str) -> str:
    """The record key as Key__c holds it: itself when it fits 255 characters, else a prefix and
    its SHA-256, so a long post link still upserts to one record and is found to retire it."""
    if len(key) <= TEXT_MAX:
        return key
    return f"{key[:180]}~{hashlib.sha256(key.encode()).hexdigest()}"


# --- records a call --------------------------------------------------------------------------
Item = tuple[list[RecordKey], dict[str, Any]]  # the Push keys one sObject record answers for


def contact_records(push: Push) -> list[Item]:
    """One Contact record per contact: its scores, or, when it was erased, its fields cleared
    (an erasure wins over a score computed in the same run: the person asked to be forgotten)."""
    scores = ((s.contact_id, rk.contact(s.contact_id), contact_scores(s)) for s in push.scores)
    erased = ((c, rk.erased(c), erased_contact(c)) for c in push.erased)
    return merged([*scores, *erased])


def merged(entries: Iterable[tuple[str, RecordKey, dict[str, Any]]]) -> list[Item]:
    """One sObject record per (record id or external id, Push key, payload), answering for every
    key that named it, the last payload winning: one record twice in a call is refused."""
    items: dict[str, Item] = {}
    for identity, key, payload in entries:
        keys = items[identity][0] if identity in items else []
        items[identity] = ([*keys, key], payload)
    return list(items.values())


# --- SOQL ----------------------------------------------------------------------------------
def literal(value: str) -> str:
    """A SOQL string literal: backslash and quote escaped, so a key can never end the string."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")"


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal in UTC, floored to the second: `>=` stays inclusive of the
    checkpoint (a few rows more at worst, which the digests absorb)."""
    utc = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


# The queries below are built from constant names and `literal`-escaped values only (S608).
def opportunities_query(
    since: datetime | None, *, multi_currency: bool, ids: Iterable[str] = ()
) -> str:
    """The opportunities changed since the checkpoint (all when None), or those of `ids`, with
    their contact roles and each role's own SystemModstamp."""
    fields = ["Id", "Amount", "CreatedDate", "SystemModstamp", "StageName"]
    if multi_currency:
        fields.insert(2, "CurrencyIsoCode")
    ids = list(ids)
    if ids:
        where = f" WHERE Id IN {in_list(ids)}"
    else:
        where = f" WHERE SystemModstamp >= {soql_datetime(since)}" if since is not None else ""
    roles = "(SELECT ContactId, SystemModstamp FROM OpportunityContactRoles)"
    return (
        f"SELECT {', '.join(fields)}, {roles} "  # noqa: S608
        f"FROM Opportunity{where} ORDER BY SystemModstamp, Id"
    )


def role_changes_query(since: datetime) -> str:
    """The contact roles added or edited since the checkpoint: a role is a record of its own,
    with its own SystemModstamp, and adding one need not stamp its opportunity."""
    return (
        "SELECT OpportunityId, SystemModstamp FROM OpportunityContactRole "  # noqa: S608
        f"WHERE SystemModstamp >= {soql_datetime(since)} ORDER BY SystemModstamp, Id"
    )


def influence_ids_query(keys: Iterable[str]) -> str:
    where = f"{INFLUENCE_KEY} IN {in_list(keys)}"
    return f"SELECT Id, {INFLUENCE_KEY} FROM {INFLUENCE} WHERE {where}"  # noqa: S608


def contacts_for_tasks_query(contact_ids: Iterable[str], profiles: Iterable[str]) -> str:
    """Each contact's owner, whether it is deleted (or merged away), and the hot-lead Tasks
    already opened on it for these profiles (open, closed or archived: a Task a seller closed is
    not opened again). Sent to QueryAll, the only one that answers archived Tasks and deleted
    contacts. Through the Contact, so the Task lookup goes by WhoId, which Salesforce indexes."""
    return (
        f"SELECT Id, OwnerId, IsDeleted, (SELECT {TASK_KEY} FROM Tasks WHERE "  # noqa: S608
        f"{TASK_KEY} IN {in_list(profiles)}) FROM Contact WHERE Id IN {in_list(contact_ids)}"
    )


# A single-currency org has no CurrencyIsoCode field ("Available only for organizations with the
# multicurrency feature enabled", the Opportunity object reference:
# https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm
# ): the probe's refusal says which. That it is INVALID_FIELD ("No such column") is what SOQL
# answers for a field an object lacks; Salesforce's REST error-code page lists the code without
# this case (README, Known limits).
CURRENCY_PROBE = "SELECT CurrencyIsoCode FROM Opportunity LIMIT 1"
ORG_CURRENCY = "SELECT DefaultCurrencyIsoCode FROM Organization"


def chunks_for_soql(
    values: list[str], cost: Callable[[str], int] | None = None, size: int = MAX_RECORDS
) -> list[list[str]]:
    """Values cut in lists of at most `size` whose literals (`cost` characters a value: its
    own literal unless told) stay under SOQL_LITERALS_MAX."""
    out: list[list[str]] = []
    length = 0
    for value in values:
        cost_of = cost(value) if cost else literal_cost(value)
        if not out or len(out[-1]) >= size or length + cost_of > SOQL_LITERALS_MAX:
            out.append([])
            length = 0
        out[-1].append(value)
        length += cost_of
    return out


def literal_cost(value: str) -> int:
    return len(literal(value)) + 2  # and its ", "
