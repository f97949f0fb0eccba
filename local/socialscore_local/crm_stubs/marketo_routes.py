"""What the Marketo stub holds (leads, lead fields, custom activity types, activities) and how
its endpoints answer, as Adobe documents them (experienceleague.adobe.com/en/docs/
marketo-developer/marketo/rest/...): every answer HTTP 200 with `success`, `requestId` and
`result` or `errors`; record-level outcomes in `result`, in the order of `input`, a skipped
record with `reasons` (`code`, `message`, code 1xxx).

- Sync Leads (`POST /rest/v1/leads.json`): `updateOnly` by `id`, 300 records at most; a lead it
  does not hold is skipped 1004, a field it does not know skipped 1006. `null` empties a field.
- Lead fields: `GET /rest/v1/leads/schema/fields.json` (standard ones and those created), and
  `POST` to create (name: a letter, then letters, digits, underscores; a name that exists is
  skipped 1017).
- Custom activity types: list (`types.json`), create (a draft; 10 types at most: 1027),
  `attributes/create.json` (20 at most: 1028), `approve.json` (709 with no draft to approve),
  `describe.json` (the approved version, the draft's with `draft=true`; a type with no approved
  version is answered 610, as is one that does not exist).
- Add Custom Activities: 300 at most; a lead it does not hold skipped 1004 (Adobe's sample names
  the reasons `errors`), an unapproved or unknown type, a record without one of the members
  Adobe names required (`activityDate`, `primaryAttributeValue`, `attributes`) or an attribute
  the approved type lacks skipped 1003 / 1006.
- Get Paging Token and Get Lead Activities (`activityTypeIds`, up to 30 `leadIds`, 300 a page,
  `moreResult` and `nextPageToken`): activities dated at or after the token's datetime, each
  attribute named by its display name, as Adobe's sample shows them.
- Usage: `GET /rest/v1/stats/usage.json`, today's total over every API user.
Marketo documents 300 records a batch but not the error past it: the stub refuses the call
with 1003 ("Invalid data"), none of its records written.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

MAX_BATCH = 300
MAX_TYPES = 10
MAX_ATTRIBUTES = 20
# Add Custom Activities: "leadId, activityDate, activityTypeId, primaryAttributeValue, and
# attributes members are required" (.../rest/lead-database/activities); leadId and the type are
# checked apart.
REQUIRED = ("activityDate", "primaryAttributeValue", "attributes")
STANDARD_FIELDS = {"id": "integer", "email": "email", "firstName": "string", "lastName": "string"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def request_id() -> str:
    return f"{uuid.uuid4().hex[:4]}#{uuid.uuid4().hex[:11]}"


def ok(result: list[Any], **extra: Any) -> dict[str, Any]:
    return {"requestId": request_id(), "result": result, "success": True} | extra


def failure(code: str, message: str) -> dict[str, Any]:
    return {
        "requestId": request_id(),
        "success": False,
        "errors": [{"code": code, "message": message}],
    }


def skipped(code: str, message: str, name: str = "reasons") -> dict[str, Any]:
    return {"status": "skipped", name: [{"code": code, "message": message}]}


@dataclass
class ActivityType:
    id: int
    definition: dict[str, Any]
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)  # the draft's
    approved: dict[str, dict[str, Any]] | None = None  # the approved version's attributes


@dataclass
class Store:
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            n: {"name": n, "displayName": n, "dataType": t, "isCustom": False}
            for n, t in STANDARD_FIELDS.items()
        }
    )
    types: dict[str, ActivityType] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100_001))
    _activity_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def route(self, method: str, path: str, body: Any, usage: int) -> dict[str, Any]:
        path, _, query = path.partition("?")
        body = body if isinstance(body, dict) else {}
        if (method, path) == ("POST", "/rest/v1/leads.json"):
            return self.sync_leads(body)
        if path == "/rest/v1/leads/schema/fields.json":
            return self.create_fields(body) if method == "POST" else self.list_fields()
        if (method, path) == ("POST", "/rest/v1/activities/external.json"):
            return self.add_activities(body)
        if (method, path) == ("POST", "/rest/v1/activities/external/type.json"):
            return self.create_type(body)
        if (method, path) == ("GET", "/rest/v1/activities/external/types.json"):
            return ok([self.describe(k) for k in self.types.values()])
        if (method, path) == ("GET", "/rest/v1/activities/pagingtoken.json"):
            since = parse_qs(query).get("sinceDatetime", [""])[0]
            return (
                ok([], nextPageToken=f"{since}|0") if since else failure("701", "cannot be blank")
            )
        if (method, path) == ("GET", "/rest/v1/activities.json"):
            return self.read_activities(parse_qs(query))
        if (method, path) == ("GET", "/rest/v1/stats/usage.json"):
            return ok([{"date": "today", "total": usage, "users": []}])
        match = re.fullmatch(r"/rest/v1/activities/external/type/(\w+)/(.+)\.json", path)
        if match and match[1] in self.types:
            kind = self.types[match[1]]
            if (method, match[2]) == ("POST", "attributes/create"):
                return self.create_attributes(kind, body)
            if (method, match[2]) == ("POST", "approve"):
                if kind.approved == kind.attributes:  # no draft to approve
                    return failure("709", "Business Rule Violation")
                kind.approved = dict(kind.attributes)
                return ok([self.describe(kind) | {"status": "approved"}])
            draft = "draft=true" in query.split("&")
            if (method, match[2]) == ("GET", "describe") and (draft or kind.approved is not None):
                return ok([self.describe(kind, draft=draft)])
        return failure("610", "Requested resource not found")

    def sync_leads(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input") or []
        if len(inputs) > MAX_BATCH:
            return failure("1003", f"Invalid data: at most {MAX_BATCH} records")
        if body.get("action") != "updateOnly" or body.get("lookupField") != "id":
            return failure("1003", "Invalid data: the stub takes updateOnly by id")
        result: list[dict[str, Any]] = []
        for record in inputs:
            lead_id = record.get("id") if isinstance(record, dict) else None
            unknown = [k for k in (record or {}) if k not in self.fields]
            if not isinstance(lead_id, int) or lead_id not in self.leads:
                result.append(skipped("1004", "Lead not found"))
            elif unknown:
                result.append(skipped("1006", f"Field '{unknown[0]}' not found"))
            else:
                lead = self.leads[lead_id]
                for name, value in record.items():
                    if value is None:
                        lead.pop(name, None)
                    else:
                        lead[name] = value
                result.append({"id": lead_id, "status": "updated"})
        return ok(result)

    def list_fields(self) -> dict[str, Any]:
        return ok(list(self.fields.values()), moreResult=False)

    def create_fields(self, body: dict[str, Any]) -> dict[str, Any]:
        result: list[dict[str, Any]] = []
        for spec in body.get("input") or []:
            name = str(spec.get("name", ""))
            if not _NAME.match(name) or not spec.get("displayName") or not spec.get("dataType"):
                result.append(skipped("1003", "Invalid data") | {"name": name})
            elif name in self.fields:
                result.append(skipped("1017", "Object already exists") | {"name": name})
            else:
                self.fields[name] = dict(spec) | {"isCustom": True, "isApiCreated": True}
                result.append({"name": name, "status": "created"})
        return ok(result)

    def create_type(self, body: dict[str, Any]) -> dict[str, Any]:
        required = ("apiName", "name", "triggerName", "filterName", "primaryAttribute")
        if missing := [k for k in required if not body.get(k)]:
            return failure("701", f"{missing[0]} cannot be blank")
        if body["apiName"] in self.types:
            return ok([skipped("1017", "Object already exists")])
        if len(self.types) >= MAX_TYPES:
            return ok([skipped("1027", "Max Activity Type Limit Reached")])
        kind = ActivityType(next(self._ids), dict(body))
        self.types[str(body["apiName"])] = kind
        return ok([self.describe(kind) | {"status": "draft"}])

    def create_attributes(self, kind: ActivityType, body: dict[str, Any]) -> dict[str, Any]:
        for attribute in body.get("attributes") or []:
            kind.attributes[str(attribute.get("apiName"))] = dict(attribute)
        if len(kind.attributes) > MAX_ATTRIBUTES:
            return failure("1028", "Max field limit reached")
        return ok([self.describe(kind)])

    def describe(self, kind: ActivityType, draft: bool = False) -> dict[str, Any]:
        """The approved version (the draft's with `draft`, or while none is approved)."""
        pending = kind.approved != kind.attributes
        attributes = kind.attributes if draft or kind.approved is None else kind.approved
        status = "draft" if kind.approved is None else "approved"
        return kind.definition | {
            "id": kind.id,
            "status": f"{status} with draft" if kind.approved is not None and pending else status,
            "attributes": list(attributes.values()),
        }

    def add_activities(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input") or []
        if len(inputs) > MAX_BATCH:
            return failure("1003", f"Invalid data: at most {MAX_BATCH} records")
        approved = {k.id: k for k in self.types.values() if k.approved is not None}
        result: list[dict[str, Any]] = []
        for record in inputs:
            kind = approved.get(record.get("activityTypeId"))
            names = {a.get("apiName") for a in record.get("attributes") or []}
            if record.get("leadId") not in self.leads:
                result.append(skipped("1004", "Lead not found", name="errors"))
            elif kind is None or any(record.get(k) in (None, "") for k in REQUIRED):
                result.append(skipped("1003", "Invalid data", name="errors"))
            elif unknown := sorted(n for n in names if n not in (kind.approved or {})):
                result.append(skipped("1006", f"Field '{unknown[0]}' not found", name="errors"))
            else:
                number = next(self._activity_ids)
                self.activities.append(dict(record) | {"id": number})
                result.append({"id": number, "marketoGUID": str(number), "status": "added"})
        return ok(result)

    def read_activities(self, query: dict[str, list[str]]) -> dict[str, Any]:
        since, _, offset = query.get("nextPageToken", [""])[0].partition("|")
        leads = [int(i) for i in query.get("leadIds", [""])[0].split(",") if i.isdigit()]
        types = {int(i) for i in query.get("activityTypeIds", [""])[0].split(",") if i.isdigit()}
        if not since or not types or len(leads) > 30:
            return failure("1003", "Invalid data")
        start = datetime.fromisoformat(since.replace("Z", "+00:00"))
        labels = {
            k.id: {n: str(a.get("name")) for n, a in (k.approved or {}).items()}
            for k in self.types.values()
        }
        matching = [
            a
            for a in self.activities
            if a["activityTypeId"] in types
            and (not leads or a["leadId"] in leads)
            and datetime.fromisoformat(str(a["activityDate"]).replace("Z", "+00:00")) >= start
        ]
        first = int(offset or 0)
        page = matching[first : first + MAX_BATCH]
        result = [
            {k: a[k] for k in ("id", "leadId", "activityDate", "activityTypeId")}
            | {
                "marketoGUID": str(a["id"]),
                "primaryAttributeValue": a["primaryAttributeValue"],
                "attributes": [
                    {"name": labels[a["activityTypeId"]].get(x["apiName"]), "value": x["value"]}
                    for x in a["attributes"]
                ],
            }
            for a in page
        ]
        more = first + MAX_BATCH < len(matching)
        return ok(result, moreResult=more, nextPageToken=f"{since}|{first + len(page)}")
