"""The in-memory org behind the Salesforce stub: records, fields, and the SOQL socialscore sends.

Its standard fields are listed here; its custom fields are read from the metadata an admin
deploys (salesforce/force-app), so the stub refuses a field the metadata lacks as the org would.
It runs the SOQL subset of `salesforce_soql`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialscore_local.crm_stubs.salesforce_soql import Query, SoqlError, matches, parse

METADATA = Path(__file__).resolve().parents[3] / "salesforce" / "force-app" / "main" / "default"
_NS = "{http://soap.sforce.com/2006/04/metadata}"
STANDARD = {
    "Account": {"Id", "Name", "IsDeleted"},
    "Contact": {
        "Id", "OwnerId", "AccountId", "LastName", "CreatedDate", "SystemModstamp", "IsDeleted",
        "MasterRecordId",
    },
    "Opportunity": {
        "Id", "Name", "Amount", "StageName", "CloseDate", "OwnerId", "CreatedDate",
        "SystemModstamp", "IsDeleted",
    },
    # A role has stamps of its own (and its opportunity need not move when one is added).
    "OpportunityContactRole": {
        "Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "CreatedDate", "SystemModstamp",
        "LastModifiedDate", "IsDeleted",
    },
    "Task": {
        "Id", "WhoId", "WhatId", "OwnerId", "Subject", "Status", "Priority", "Description",
        "ActivityDate", "CreatedDate", "SystemModstamp", "IsDeleted", "IsArchived",
    },
    "Case": {
        "Id", "CaseNumber", "ContactId", "OwnerId", "Subject", "Description", "Origin",
        "Priority", "Status", "CreatedDate", "SystemModstamp", "IsDeleted",
    },
    "Social_Influence__c": {"Id", "Name", "OwnerId", "CreatedDate", "SystemModstamp", "IsDeleted"},
    "Social_Activity__c": {"Id", "Name", "OwnerId", "CreatedDate", "SystemModstamp", "IsDeleted"},
    "Organization": {"Id", "Name", "DefaultCurrencyIsoCode"},
}  # fmt: skip
# Read-only flags as a record answers them when nothing set them.
_FLAGS = {"IsDeleted": False, "IsArchived": False}
# Who points at a contact: a merge moves them to the surviving contact, as Salesforce does.
_POINTING_AT_CONTACT = (
    ("Task", "WhoId"),
    ("Case", "ContactId"),
    ("OpportunityContactRole", "ContactId"),
)
# A multi-currency org adds CurrencyIsoCode to the objects that hold amounts.
CURRENCY_OBJECTS = ("Contact", "Opportunity", "Social_Influence__c")
# (parent, relationship name) -> (child object, the child's field that points at the parent)
CHILDREN = {
    ("Opportunity", "OpportunityContactRoles"): ("OpportunityContactRole", "OpportunityId"),
    ("Contact", "Tasks"): ("Task", "WhoId"),
}
KEY_PREFIXES = {
    "Account": "001", "Contact": "003", "Opportunity": "006", "OpportunityContactRole": "00K",
    "Task": "00T", "Case": "500", "Social_Influence__c": "a0S", "Organization": "00D",
    "Social_Activity__c": "a0A",
}  # fmt: skip
# Custom fields on Activity are fields of Task and Event.
_ACTIVITY = ("Task",)


def custom_fields(root: Path = METADATA) -> dict[str, dict[str, dict[str, str]]]:
    """object -> field -> its metadata (type, length, externalId, referenceTo, ...)."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for path in sorted(root.glob("objects/*/fields/*.field-meta.xml")):
        element = ET.parse(path).getroot()  # noqa: S314 (the repository's own metadata)
        attributes = {child.tag.removeprefix(_NS): child.text or "" for child in element}
        if (values := element.find(f"{_NS}valueSet")) is not None:  # a picklist's
            attributes["restricted"] = values.findtext(f"{_NS}restricted") or "false"
            names = values.iterfind(f"{_NS}valueSetDefinition/{_NS}value/{_NS}fullName")
            attributes["valueSet"] = ";".join(n.text or "" for n in names)
        sobject = path.parent.parent.name
        for target in _ACTIVITY if sobject == "Activity" else (sobject,):
            found.setdefault(target, {})[attributes["fullName"]] = attributes
    return found


def stamp(moment: datetime | None = None) -> str:
    """A datetime as Salesforce answers it: 2026-11-20T10:00:00.000+0000."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class Org:
    def __init__(self, *, multi_currency: bool, default_currency: str) -> None:
        self.fields = {name: set(fields) for name, fields in STANDARD.items()}
        self.custom = custom_fields()
        for sobject, fields in self.custom.items():
            self.fields.setdefault(sobject, {"Id"}).update(fields)
        if multi_currency:
            for sobject in CURRENCY_OBJECTS:
                self.fields[sobject].add("CurrencyIsoCode")
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.fields}
        # The Recycle Bin: id -> (object, the record, IsDeleted): only QueryAll answers them.
        self.deleted: dict[str, tuple[str, dict[str, Any]]] = {}
        self._serial = 0
        self.insert("Organization", {"Name": "Stub", "DefaultCurrencyIsoCode": default_currency})

    # --- records -------------------------------------------------------------------------
    def new_id(self, sobject: str) -> str:
        self._serial += 1
        return f"{KEY_PREFIXES.get(sobject, 'a0X')}{self._serial:012d}AAA"

    def insert(self, sobject: str, fields: dict[str, Any], record_id: str | None = None) -> str:
        record_id = record_id or self.new_id(sobject)
        now = stamp()
        self.records[sobject][record_id] = (
            {"CreatedDate": now, "SystemModstamp": now} | fields | {"Id": record_id}
        )
        return record_id

    def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        self.records[sobject][record_id] |= fields | {"SystemModstamp": stamp()}

    def delete(self, sobject: str, record_id: str) -> None:
        record = self.records[sobject].pop(record_id)
        self.deleted[record_id] = (sobject, record | {"IsDeleted": True, "SystemModstamp": stamp()})

    def merge(self, master: str, loser: str) -> None:
        """Contact `loser` merged into `master`: what pointed at it points at the master, and
        it is deleted, naming the master (MasterRecordId)."""
        for sobject, pointer in _POINTING_AT_CONTACT:
            for record in self.records[sobject].values():
                if record.get(pointer) == loser:
                    record[pointer] = master
        self.records["Contact"][loser]["MasterRecordId"] = master
        self.delete("Contact", loser)

    def archive(self, record_id: str) -> None:
        """A Task archived, as Salesforce does a year after it closed: Query no longer sees it,
        QueryAll does."""
        self.records["Task"][record_id]["IsArchived"] = True

    def find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        for sobject, records in self.records.items():
            if record_id in records:
                return sobject, records[record_id]
        return None

    # --- SOQL ----------------------------------------------------------------------------
    def query(self, soql: str, *, all_rows: bool = False) -> list[dict[str, Any]]:
        """Rows as the API gives them; a child list stays a list (the server pages it).
        `all_rows` is QueryAll: deleted records and archived Tasks too, which Query leaves out."""
        query = parse(soql)
        self._check(query)
        return self._run(query, self._of(query.sobject, all_rows), all_rows)

    def _of(self, sobject: str, all_rows: bool) -> list[dict[str, Any]]:
        if not all_rows:
            return [r for r in self.records[sobject].values() if not r.get("IsArchived")]
        gone = [r for kind, r in self.deleted.values() if kind == sobject]
        return [*self.records[sobject].values(), *gone]

    def _run(self, query: Query, records: Any, all_rows: bool) -> list[dict[str, Any]]:
        rows = [r for r in records if all(matches(_get(r, f), op, v) for f, op, v in query.where)]
        rows.sort(key=lambda r: [(_get(r, f) is not None, _get(r, f) or "") for f in query.order])
        out = []
        for record in rows[: query.limit]:
            row: dict[str, Any] = {"attributes": {"type": query.sobject}}
            row |= {f: _get(record, f) for f in query.fields}
            for name, sub in query.children:
                child, pointer = CHILDREN[(query.sobject, name)]
                kin = self._of(child, all_rows)
                row[name] = self._run(
                    sub, (r for r in kin if r.get(pointer) == record["Id"]), all_rows
                )
            out.append(row)
        return out

    def _check(self, query: Query) -> None:
        if query.sobject not in self.fields:
            raise SoqlError("INVALID_TYPE", f"sObject type '{query.sobject}' is not supported.")
        for name in [*query.fields, *(f for f, _, _ in query.where), *query.order]:
            if name not in self.fields[query.sobject]:
                raise SoqlError(
                    "INVALID_FIELD", f"No such column '{name}' on entity '{query.sobject}'."
                )
        for name, sub in query.children:
            if (query.sobject, name) not in CHILDREN:
                raise SoqlError("INVALID_TYPE", f"Didn't understand relationship '{name}'.")
            child = CHILDREN[(query.sobject, name)][0]
            self._check(Query(child, sub.fields, [], sub.where, sub.order, sub.limit))


def _get(record: dict[str, Any], name: str) -> Any:
    return record.get(name, _FLAGS.get(name))
