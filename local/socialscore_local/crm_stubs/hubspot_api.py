"""What the HubSpot stub holds and how its API answers: records of every object type, their
associations, properties, property groups and custom object schemas, in memory.

The answers follow HubSpot's for what socialscore uses: batch read/update/upsert/create/archive
(100 inputs at most, 207 with per-input `errors` naming ids or `objectWriteTraceId`, 400 for an
unknown property or a date / datetime it cannot read; datetimes kept and answered in ISO 8601
UTC), CRM search (filters, one sort, `after` offsets up to a cap), v4 association batch read
(paged per record) and default associations, GDPR delete, and 409 for a property, group or
schema that exists (400 for a property whose `fieldType` does not fit its `type`, or that asks
for unique values on an object type HubSpot does not document them for).

The search index lags writes, as HubSpot's does ("it may take a few moments for newly created
or updated objects to appear in search results", developers.hubspot.com/docs/api/crm/search):
with `index_lag` (seconds of `clock`, 2 by default; `lag` per record id for its next write),
search sees each record as it was `index_lag` seconds ago, while batch reads see it as it is. A
seeded record is searchable at once (indexed long ago).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Reply = tuple[int, Any]  # (status, JSON body or None)
MAX_INPUTS = 100
DATES = {"createdate", "hs_lastmodifieddate", "lastmodifieddate", "hs_timestamp", "closedate"}
BUILT_IN = {
    # twitterhandle: HubSpot's default "Twitter Username" contact property
    "contacts": {"email", "firstname", "lastname", "hubspot_owner_id", "createdate"}
    | {"twitterhandle"},
    "deals": {"dealname", "amount", "deal_currency_code", "createdate", "hs_lastmodifieddate"}
    | {"dealstage", "pipeline", "closedate", "hubspot_owner_id"},
    "tasks": {"hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority"}
    | {"hs_task_type", "hs_timestamp", "hubspot_owner_id"},
    "tickets": {"subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority"}
    | {"hubspot_owner_id", "createdate"},
}
# What a create must carry, and the values a new account's enumerations take (its default
# support pipeline "0" and that pipeline's stages).
REQUIRED = {"tickets": ("subject", "hs_pipeline_stage")}
CHOICES = {
    ("tickets", "hs_pipeline"): {"0"},
    ("tickets", "hs_pipeline_stage"): {"1", "2", "3", "4"},
    ("tickets", "hs_ticket_priority"): {"LOW", "MEDIUM", "HIGH", "URGENT"},
}
# HUBSPOT_DEFINED association types a create may name, by (from, to).
ASSOCIATION_TYPES = {("tasks", "contacts"): 204, ("tickets", "contacts"): 16}
PORTAL = 4_242_424
# Object types whose properties may hold unique values: "HubSpot has provided unique property
# support for Companies, Deals, Tickets, and Custom Objects", and contacts since
# developers.hubspot.com/changelog/unique-properties-for-contacts ("a maximum of 10 unique
# properties" an object type). Tasks are not among them: setup must not depend on it.
UNIQUE_TYPES = {"contacts", "companies", "deals", "tickets"}
MAX_UNIQUE = 10
NEVER = datetime.min.replace(tzinfo=UTC)  # a seeded record: indexed long ago


def error(status: int, message: str, category: str, **extra: Any) -> Reply:
    return status, {"status": "error", "message": message, "category": category} | extra


def correlation() -> str:
    return str(uuid.uuid4())


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def millis(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)


def moment(raw: str) -> datetime | None:
    """A date or datetime property's value as HubSpot takes it: epoch milliseconds or ISO 8601
    with a time zone; None for anything else."""
    try:
        found = (
            datetime.fromtimestamp(int(raw) / 1000, UTC)
            if raw.isdigit()
            else datetime.fromisoformat(raw.replace("Z", "+00:00"))
        )
    except (ValueError, OverflowError):
        return None
    return found if found.tzinfo is not None else None


# A property's `type` and the `fieldType`s it takes (the ones the stub checks).
FIELD_TYPES = {
    "string": {"text", "textarea", "select", "radio", "checkbox", "phonenumber", "html", "file"},
    "number": {"number", "select", "radio", "checkbox", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox"},
    "bool": {"booleancheckbox"},
}


@dataclass
class Store:
    """HubSpot's records: object type -> record id -> properties (strings, as HubSpot keeps)."""

    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    records: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    links: set[tuple[str, str, str, str]] = field(default_factory=set)  # from type, id, to type, id
    properties: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    company_currency: str = "USD"
    enterprise: bool = True  # custom objects need an Enterprise subscription
    rejected: dict[str, str] = field(default_factory=dict)  # ref -> category, per input
    gdpr_deleted: list[str] = field(default_factory=list)
    index_lag: float = 2.0  # seconds before a write is searchable: "a few moments"
    lag: dict[str, float] = field(default_factory=dict)  # record id -> its next write's lag
    # (kind, id) -> [(searchable from, the record as written)], oldest first; kept with a lag only
    _index: dict[tuple[str, str], list[tuple[datetime, dict[str, str]]]] = field(
        default_factory=dict
    )
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_001))

    def __post_init__(self) -> None:
        for kind, names in BUILT_IN.items():
            self.properties[kind] = {n: {"name": n, "type": "string"} for n in names}
            self.records.setdefault(kind, {})

    # --- records -----------------------------------------------------------------------------
    def kind(self, segment: str) -> str | None:
        """An object type as a URL names it: contacts, or a custom object by p_<name>,
        p<portal>_<name> or its objectTypeId."""
        if segment in BUILT_IN:
            return segment
        for name, schema in self.schemas.items():
            if segment in (f"p_{name}", schema["fullyQualifiedName"], schema["objectTypeId"]):
                return name
        return None

    def put(
        self, kind: str, record_id: str | None, properties: dict[str, Any], touch: bool = True
    ) -> str:
        record_id = record_id or str(next(self._ids))
        now = iso(self.clock())
        modified = "hs_lastmodifieddate" if kind != "contacts" else "lastmodifieddate"
        # Every record has a modification time, its creation's at first, as in HubSpot.
        stored = self.records.setdefault(kind, {}).setdefault(
            record_id, {"hs_object_id": record_id, "createdate": now, modified: now}
        )
        if touch:  # any write moves the record's modification time, as in HubSpot
            stored[modified] = now
        stored.update({k: self._kept(kind, k, v) for k, v in properties.items()})
        lag = self.lag.pop(record_id, self.index_lag)
        if lag or (kind, record_id) in self._index:
            visible = self.clock() + timedelta(seconds=lag) if touch else NEVER
            self._index.setdefault((kind, record_id), []).append((visible, dict(stored)))
        return record_id

    def searchable(self, kind: str) -> dict[str, dict[str, str]]:
        """The records of `kind` as the search index holds them now: each as last written
        before the index lag, a record written only since then not at all."""
        now = self.clock()
        found: dict[str, dict[str, str]] = {}
        for record_id, properties in self.records.get(kind, {}).items():
            history = self._index.get((kind, record_id))
            if history is None:
                found[record_id] = properties
            elif indexed := [p for visible, p in history if visible <= now]:
                found[record_id] = indexed[-1]
        return found

    def _kept(self, kind: str, name: str, value: Any) -> str:
        """A value as HubSpot keeps and answers it: text; a datetime in ISO 8601 UTC."""
        text = "" if value is None else str(value)
        kept = moment(text) if self._type(kind, name) in ("date", "datetime") and text else None
        return iso(kept) if kept is not None else text

    def _type(self, kind: str, name: str) -> str:
        return str(self.properties.get(kind, {}).get(name, {}).get("type", "string"))

    def find(self, kind: str, ref: str, id_property: str | None) -> str | None:
        records = self.records.get(kind, {})
        if not id_property or id_property == "hs_object_id":
            return ref if ref in records else None
        return next((i for i, p in records.items() if p.get(id_property) == ref), None)

    def unique(self, kind: str) -> list[str]:
        return [n for n, d in self.properties.get(kind, {}).items() if d.get("hasUniqueValue")]

    def linked(self, kind: str, record_id: str, to: str) -> list[str]:
        found = [t for (fk, fi, tk, t) in self.links if (fk, fi, tk) == (kind, record_id, to)]
        return sorted(found, key=lambda i: (len(i), i))

    def link(self, kind: str, record_id: str, to: str, to_id: str) -> None:
        self.links |= {(kind, record_id, to, to_id), (to, to_id, kind, record_id)}

    def drop(self, kind: str, record_id: str) -> None:
        self.records.get(kind, {}).pop(record_id, None)
        self._index.pop((kind, record_id), None)
        self.links = {x for x in self.links if (x[0], x[1]) != (kind, record_id)}
        self.links = {x for x in self.links if (x[2], x[3]) != (kind, record_id)}

    def view(
        self,
        kind: str,
        record_id: str,
        names: list[str] | None = None,
        stored: dict[str, str] | None = None,  # as the search index holds it
    ) -> dict[str, Any]:
        stored = self.records[kind][record_id] if stored is None else stored
        modified = stored.get("hs_lastmodifieddate") or stored.get("lastmodifieddate", "")
        shown = {"hs_object_id", "createdate", "hs_lastmodifieddate", *(names or [])}
        return {
            "id": record_id,
            "properties": {k: stored[k] for k in shown if k in stored},
            "createdAt": stored.get("createdate", ""),
            "updatedAt": modified,
            "archived": False,
        }

    def unknown_properties(self, kind: str, inputs: list[dict[str, Any]]) -> Reply | None:
        known = self.properties.get(kind, {})
        for item in inputs:
            for name in item.get("properties") or {}:
                if name not in known:
                    detail = f'[{{"isValid":false,"message":"Property \\"{name}\\" does not exist",'
                    detail += f'"error":"PROPERTY_DOESNT_EXIST","name":"{name}"}}]'
                    return error(
                        400, f"Property values were not valid: {detail}", "VALIDATION_ERROR"
                    )
        return self._invalid_values(kind, inputs)

    def _invalid_values(self, kind: str, inputs: list[dict[str, Any]]) -> Reply | None:
        """HubSpot's 400 for a value its property's type refuses: a date or datetime that is
        neither epoch milliseconds nor ISO 8601, a date that is not midnight UTC, an enumeration
        value that is not one of the property's options (a checkbox takes several, `;`-separated;
        "" empties)."""
        for item in inputs:
            for name, value in (item.get("properties") or {}).items():
                kind_of, text = self._type(kind, name), "" if value is None else str(value)
                if not text:
                    continue
                if kind_of == "enumeration":
                    found_code = self._option(kind, name, text)
                    if found_code is None:
                        continue
                    code, message = found_code
                elif kind_of not in ("date", "datetime"):
                    continue
                elif (found := moment(text)) is None:
                    code, message = "INVALID_LONG", f"{text} was not a valid long."
                elif kind_of == "date" and found.timestamp() % 86_400:
                    code, message = (
                        "INVALID_DATE",
                        f"{text} is at {found:%H:%M:%S} UTC, not midnight!",
                    )
                else:
                    continue
                detail = f'[{{"isValid":false,"message":"{message}",'
                detail += f'"error":"{code}","name":"{name}"}}]'
                return error(400, f"Property values were not valid: {detail}", "VALIDATION_ERROR")
        return None

    def _option(self, kind: str, name: str, text: str) -> tuple[str, str] | None:
        """INVALID_OPTION for an enumeration value the property has no option for."""
        definition = self.properties.get(kind, {}).get(name, {})
        options = [str(o.get("value")) for o in definition.get("options") or []]
        several = definition.get("fieldType") == "checkbox"
        for value in text.split(";") if several else [text]:
            if value not in options:
                allowed = ", ".join(options)
                return "INVALID_OPTION", f"{value} was not one of the allowed options: [{allowed}]"
        return None


def too_many(inputs: list[Any]) -> Reply | None:
    if len(inputs) > MAX_INPUTS:
        return error(
            400,
            f"Batch input size {len(inputs)} is larger than the maximum of {MAX_INPUTS}",
            "VALIDATION_ERROR",
        )
    return None


def batch_reply(results: list[dict[str, Any]], errors: list[dict[str, Any]], ok: int) -> Reply:
    now = iso(datetime.now(UTC))
    body: dict[str, Any] = {"status": "COMPLETE", "results": results}
    body |= {"startedAt": now, "completedAt": now}
    if errors:
        body |= {"numErrors": len(errors), "errors": errors}
    return (207 if errors else ok), body


def input_error(category: str, message: str, ref: str, trace: str | None) -> dict[str, Any]:
    context = {"objectWriteTraceId": [trace]} if trace else {"ids": [ref]}
    return {"status": "error", "category": category, "message": message, "context": context}


def not_found(kind: str, refs: list[str]) -> dict[str, Any]:
    label = kind.rstrip("s").upper()
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": f"Could not get some {label} objects, they may be deleted or not exist. "
        "Check that ids are valid.",
        "context": {"ids": refs},
    }
