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
    "Account": {"Id", "Name"},
    "Contact": {"Id", "OwnerId", "AccountId", "LastName", "CreatedDate", "SystemModstamp"},
    "Opportunity": {
        "Id", "Name", "Amount", "StageName", "CloseDate", "OwnerId", "CreatedDate",
        "SystemModstamp",
    },
    "OpportunityContactRole": {"Id", "OpportunityId", "ContactId", "Role", "IsPrimary"},
    "Task": {
        "Id", "WhoId", "WhatId", "OwnerId", "Subject", "Status", "Priority", "Description",
        "ActivityDate", "CreatedDate", "SystemModstamp",
    },
    "Case": {
        "Id", "CaseNumber", "ContactId", "OwnerId", "Subject", "Description", "Origin",
        "Priority", "Status", "CreatedDate", "SystemModstamp",
    },
    "Social_Influence__c": {"Id", "Name", "OwnerId", "CreatedDate", "SystemModstamp"},
    "Organization": {"Id", "Name", "DefaultCurrencyIsoCode"},
}  # fmt: skip
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
        self.deleted: set[str] = set()
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
        del self.records[sobject][record_id]
        self.deleted.add(record_id)

    def find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        for sobject, records in self.records.items():
            if record_id in records:
                return sobject, records[record_id]
        return None

    # --- SOQL ----------------------------------------------------------------------------
    def query(self, soql: str) -> list[dict[str, Any]]:
        """Rows as the API gives them; a child list stays a list (the server pages it)."""
        query = parse(soql)
        self._check(query)
        return self._run(query, self.records[query.sobject].values())

    def _run(self, query: Query, records: Any) -> list[dict[str, Any]]:
        rows = [r for r in records if all(matches(r.get(f), op, v) for f, op, v in query.where)]
        rows.sort(key=lambda r: [(r.get(f) is not None, r.get(f) or "") for f in query.order])
        out = []
        for record in rows[: query.limit]:
            row: dict[str, Any] = {"attributes": {"type": query.sobject}}
            row |= {f: record.get(f) for f in query.fields}
            for name, sub in query.children:
                child, pointer = CHILDREN[(query.sobject, name)]
                mine = (r for r in self.records[child].values() if r.get(pointer) == record["Id"])
                row[name] = self._run(sub, mine)
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
