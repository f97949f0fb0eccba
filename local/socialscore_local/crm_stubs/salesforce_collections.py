"""sObject Collections on the stub's in-memory org: update by Id, create, upsert by an External ID
field, delete by Ids; allOrNone=false (each record answered on its own, in order).

A whole call is refused (400, Salesforce's error list) for more than 200 records, an unknown
object or field, a DateTime value that is not ISO 8601 (JSON_PARSER_ERROR: Salesforce cannot
read the body), or an upsert field that is not an External ID; a record is refused on its own
for an Id or a lookup that does not exist (INVALID_CROSS_REFERENCE_KEY), a deleted record
(ENTITY_IS_DELETED), a value its field cannot hold (STRING_TOO_LONG, NUMBER_OUTSIDE_VALID_RANGE,
INVALID_TYPE_ON_FIELD_IN_RECORD, INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST for a Case picklist
value a new org lacks; a multi-select picklist's: salesforce_picklist), a value a Unique field
holds already (DUPLICATE_VALUE), or a value the test asked to reject. A created Case gets its
CaseNumber and the org's defaults (Status New).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from socialscore_local.crm_stubs import salesforce_picklist as picklist
from socialscore_local.crm_stubs.salesforce_org import Org, stamp

MAX_RECORDS = 200
# Standard lookups the stub checks: (object, field) -> the object it points at.
_STANDARD_REFERENCES = {
    ("Task", "WhoId"): "Contact",
    ("Task", "OwnerId"): "User",
    ("Case", "ContactId"): "Contact",
    ("Case", "OwnerId"): "User",
    ("Contact", "OwnerId"): "User",
    ("Social_Influence__c", "OwnerId"): "User",
}
_DEFAULTS = {"Task": {"Status": "Not Started", "Priority": "Normal"}, "Case": {"Status": "New"}}
# Standard text fields' lengths, and the picklist values a new org has (Case's).
_STANDARD_LENGTHS = {("Case", "Subject"): 255, ("Case", "Description"): 32_000}
_PICKLISTS = {
    ("Case", "Origin"): {"Phone", "Email", "Web"},
    ("Case", "Priority"): {"High", "Medium", "Low"},
    ("Case", "Status"): {"New", "Working", "Escalated", "Closed"},
}


class Failure(Exception):
    """The whole call refused."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


def _error(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    return {"statusCode": code, "message": message, "fields": fields or []}


def _result(record_id: str | None, errors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"id": record_id, "success": not errors, "errors": errors}
    return answer | extra if not errors else answer


class Collections:
    def __init__(self, org: Org, users: set[str]) -> None:
        self.org = org
        self.users = users
        self.rejects: dict[
            str, tuple[str, str]
        ] = {}  # a value -> the error a record carrying it gets

    def handle(self, method: str, rest: str, query: dict[str, list[str]], body: Any) -> list[Any]:
        if method == "DELETE" and not rest:
            ids = [i for value in query.get("ids", []) for i in value.split(",") if i]
            _at_most_200(ids)
            return [self.remove(i) for i in ids]
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise Failure(400, "JSON_PARSER_ERROR", "records: a list of sObjects is required")
        _at_most_200(records)
        for record in records:
            self.check_values(record)
        if method == "PATCH" and not rest:
            return [self.update(r) for r in records]
        if method == "POST" and not rest:
            return [self.create(r) for r in records]
        if method == "PATCH" and rest.count("/") == 2:
            sobject, key_field = rest.strip("/").split("/")
            self._external_id(sobject, key_field)
            return [self.upsert(sobject, key_field, r) for r in records]
        raise Failure(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed")

    # --- one record ----------------------------------------------------------------------
    def update(self, record: dict[str, Any]) -> dict[str, Any]:
        sobject, fields = _split(record)
        record_id = fields.pop("id", None) or fields.pop("Id", None)
        if not record_id:
            return _result(None, [_error("MISSING_ARGUMENT", "Id not specified in an update call")])
        if record_id in self.org.deleted:
            return _result(record_id, [_error("ENTITY_IS_DELETED", "entity is deleted")])
        if record_id not in self.org.records[sobject]:
            return _result(
                record_id, [_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
            )
        errors = self._problems(sobject, fields, record_id)
        if not errors:
            self.org.update(sobject, record_id, self._stored(sobject, fields))
        return _result(record_id, errors)

    def create(self, record: dict[str, Any]) -> dict[str, Any]:
        sobject, fields = _split(record)
        if "id" in fields or "Id" in fields:
            return _result(
                None,
                [_error("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call")],
            )
        errors = self._problems(sobject, fields, None)
        if errors:
            return _result(None, errors)
        defaults = dict(_DEFAULTS.get(sobject, {}))
        if sobject == "Case":
            defaults["CaseNumber"] = f"{len(self.org.records['Case']) + 1:08d}"
        return _result(self.org.insert(sobject, defaults | self._stored(sobject, fields)), [])

    def upsert(self, sobject: str, key_field: str, record: dict[str, Any]) -> dict[str, Any]:
        kind, fields = _split(record)
        if kind != sobject:
            return _result(None, [_error("INVALID_TYPE", f"records must be of type {sobject}")])
        key = fields.get(key_field)
        if not key:
            return _result(None, [_error("MISSING_ARGUMENT", f"{key_field} not specified")])
        existing = next(
            (r["Id"] for r in self.org.records[sobject].values() if r.get(key_field) == key), None
        )
        errors = self._problems(sobject, fields, existing)
        if errors:
            return _result(existing, errors)
        fields = self._stored(sobject, fields)
        if existing is not None:
            self.org.update(sobject, existing, fields)
            return _result(existing, [], created=False)
        return _result(self.org.insert(sobject, fields), [], created=True)

    def remove(self, record_id: str) -> dict[str, Any]:
        if record_id in self.org.deleted:
            return _result(record_id, [_error("ENTITY_IS_DELETED", "entity is deleted")])
        found = self.org.find(record_id)
        if found is None:
            return _result(
                record_id, [_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
            )
        rejected = self.rejects.get(record_id)
        if rejected:
            return _result(record_id, [_error(*rejected)])
        self.org.delete(found[0], record_id)
        return _result(record_id, [])

    # --- checks --------------------------------------------------------------------------
    def check_values(self, record: dict[str, Any]) -> None:
        sobject = (record.get("attributes") or {}).get("type")
        if sobject not in self.org.fields:
            raise Failure(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        for name in record:
            if name not in ("attributes", "id") and name not in self.org.fields[sobject]:
                raise Failure(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                )
            value = record[name]
            unreadable = not isinstance(value, str) or _datetime(value) is None
            if self._type(sobject, name) == "DateTime" and value is not None and unreadable:
                message = f"Cannot deserialize instance of datetime from {value!r}"
                raise Failure(400, "JSON_PARSER_ERROR", message)

    def _type(self, sobject: str, name: str) -> str | None:
        return self.org.custom.get(sobject, {}).get(name, {}).get("type")

    def _stored(self, sobject: str, fields: dict[str, Any]) -> dict[str, Any]:
        """The values as the org keeps and answers them (a DateTime as
        2026-11-20T10:00:00.000+0000, a multi-select picklist each value once)."""
        out = dict(fields)
        for name, value in fields.items():
            if self._type(sobject, name) == "DateTime" and isinstance(value, str):
                out[name] = stamp(_datetime(value))
            elif self._type(sobject, name) == picklist.MULTI:
                out[name] = picklist.stored(value)
        return out

    def _external_id(self, sobject: str, key_field: str) -> None:
        meta = self.org.custom.get(sobject, {}).get(key_field, {})
        if meta.get("externalId") != "true":
            raise Failure(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {key_field}",
            )

    def _problems(
        self, sobject: str, fields: dict[str, Any], record_id: str | None
    ) -> list[dict[str, Any]]:
        errors = []
        for value in [record_id, *fields.values()]:
            if isinstance(value, str) and value in self.rejects:
                errors.append(_error(*self.rejects[value]))
        for name, value in fields.items():
            meta = self.org.custom.get(sobject, {}).get(name)
            if meta is not None and value is not None:
                errors += _value_problems(name, value, meta)
                errors += self._duplicate(sobject, name, value, meta, record_id)
            errors += _standard_problems(sobject, name, value)
            target = meta.get("referenceTo") if meta else _STANDARD_REFERENCES.get((sobject, name))
            exists = (
                value in self.users
                if target == "User"
                else value in self.org.records.get(target or "", {})
            )
            if target and value is not None and not exists:
                errors.append(
                    _error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
                )
        return errors

    def _duplicate(
        self, sobject: str, name: str, value: Any, meta: dict[str, str], record_id: str | None
    ) -> list[dict[str, Any]]:
        """A Unique field refuses a value another record holds (with case when it says so)."""
        if meta.get("unique") != "true" or not isinstance(value, str):
            return []
        sensitive = meta.get("caseSensitive") == "true"
        for other in self.org.records[sobject].values():
            held = other.get(name)
            same = held == value if sensitive else str(held).lower() == value.lower()
            if isinstance(held, str) and same and other["Id"] != record_id:
                message = f"duplicate value found: {name} duplicates value on record with id: "
                return [_error("DUPLICATE_VALUE", message + other["Id"], [name])]
        return []


def _standard_problems(sobject: str, name: str, value: Any) -> list[dict[str, Any]]:
    length = _STANDARD_LENGTHS.get((sobject, name))
    if length is not None and isinstance(value, str) and len(value) > length:
        message = f"{name}: data value too large: {value[:40]}... (max length={length})"
        return [_error("STRING_TOO_LONG", message, [name])]
    values = _PICKLISTS.get((sobject, name))
    if values is not None and value not in values:
        message = f"{name}: bad value for restricted picklist field: {value}"
        return [_error("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, [name])]
    return []


def _split(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    sobject = str((record.get("attributes") or {}).get("type"))
    return sobject, {k: v for k, v in record.items() if k != "attributes"}


def _datetime(value: str) -> datetime | None:
    """A DateTime as Salesforce reads it from JSON: ISO 8601, UTC unless it names a zone."""
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _at_most_200(items: list[Any]) -> None:
    if len(items) > MAX_RECORDS:
        raise Failure(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )


def _value_problems(name: str, value: Any, meta: dict[str, str]) -> list[dict[str, Any]]:
    kind = meta.get("type")
    if kind == picklist.MULTI:
        return [
            _error(code, message, [name]) for code, message in picklist.problems(name, value, meta)
        ]
    if kind == "Text":
        if not isinstance(value, str):
            return [
                _error(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{meta['label']}: value not of required type",
                    [name],
                )
            ]
        if len(value) > int(meta.get("length", "255")):
            message = (
                f"{meta['label']}: data value too large: {value} (max length={meta['length']})"
            )
            return [_error("STRING_TOO_LONG", message, [name])]
    if kind in ("Number", "Currency"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [
                _error(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{meta['label']}: value not of required type",
                    [name],
                )
            ]
        digits = int(meta.get("precision", "18")) - int(meta.get("scale", "0"))
        if abs(value) >= 10**digits:
            return [
                _error(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    f"{meta['label']}: value outside of valid range",
                    [name],
                )
            ]
    return []
