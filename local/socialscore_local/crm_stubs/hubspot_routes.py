"""The HubSpot stub's endpoints, over its `Store`: one function per API the adapter calls (the
property and schema endpoints crm-setup calls: hubspot_properties)."""

from __future__ import annotations

import re
from typing import Any

from socialscore_local.crm_stubs.hubspot_api import (
    ASSOCIATION_TYPES,
    CHOICES,
    DATES,
    PORTAL,
    REQUIRED,
    Reply,
    Store,
    batch_reply,
    error,
    input_error,
    millis,
    not_found,
    too_many,
)
from socialscore_local.crm_stubs.hubspot_properties import create_property, one_property, schemas

OBJECTS = re.compile(r"^/crm/v3/objects/([^/]+)/(batch/[a-z]+|search|gdpr-delete)$")
ASSOCIATIONS = re.compile(r"^/crm/v4/associations/([^/]+)/([^/]+)/batch/(read|associate/default)$")
PROPERTIES = re.compile(r"^/crm/v3/properties/([^/]+?)(/groups)?$")
PROPERTY = re.compile(r"^/crm/v3/properties/([^/]+)/([^/]+)$")
# Custom object schemas: the path HubSpot's OpenAPI document names, and the one its custom
# objects guide used before it.
SCHEMAS = ("/crm-object-schemas/v3/schemas", "/crm/v3/schemas")
OPERATORS = {
    "EQ": lambda a, b: a == b,
    "NEQ": lambda a, b: a != b,
    "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b,
    "LTE": lambda a, b: a <= b,
}


def route(store: Store, method: str, path: str, body: Any, search_cap: int, page: int) -> Reply:
    body = body if isinstance(body, dict) else {}
    if (method, path) == ("GET", "/account-info/v3/details"):
        currency = store.company_currency
        return 200, {"portalId": PORTAL, "companyCurrency": currency, "timeZone": "Etc/UTC"}
    if path in SCHEMAS:
        return schemas(store, method, body)
    if method == "POST" and (m := PROPERTIES.match(path)):
        return create_property(store, m[1], body, group=bool(m[2]))
    if method in ("GET", "PATCH") and (m := PROPERTY.match(path)) and m[2] != "groups":
        return one_property(store, method, m[1], m[2], body)
    if method == "POST" and (m := ASSOCIATIONS.match(path)):
        return associations(store, m[1], m[2], m[3], body, page)
    if method == "POST" and (m := OBJECTS.match(path)):
        kind = store.kind(m[1])
        if kind is None:
            return error(400, f"Unable to infer object type from: {m[1]}", "VALIDATION_ERROR")
        if m[2] == "search":
            return search(store, kind, body, search_cap)
        if m[2] == "gdpr-delete":
            return gdpr_delete(store, kind, body)
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            return error(400, "Invalid input JSON: inputs is required", "VALIDATION_ERROR")
        return too_many(inputs) or batch(store, kind, m[2].removeprefix("batch/"), body, inputs)
    return error(404, f"Unable to route {method} {path}", "OBJECT_NOT_FOUND")


def batch(store: Store, kind: str, verb: str, body: dict[str, Any], inputs: list[Any]) -> Reply:
    if verb == "archive":
        for item in inputs:
            store.drop(kind, str(item.get("id")))
        return 204, None
    if verb != "read" and (refused := store.unknown_properties(kind, inputs)):
        return refused
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    missing: list[str] = []
    names = list(body.get("properties") or [])
    for item in inputs:
        trace = item.get("objectWriteTraceId")
        ref = str(item.get("id", ""))
        id_property = item.get("idProperty") or body.get("idProperty")
        properties = dict(item.get("properties") or {})
        named = [ref, *(str(properties.get(n, "")) for n in store.unique(kind))]
        rejected = next((store.rejected[n] for n in named if n in store.rejected), None)
        if rejected and verb != "read":
            errors.append(input_error(rejected, "Rejected by the stub", ref, trace))
            continue
        if id_property and id_property not in ("hs_object_id", *store.unique(kind)):
            return error(400, f"{id_property} is not a unique property", "VALIDATION_ERROR")
        found = store.find(kind, ref, id_property) if ref else None
        new = False
        if verb in ("read", "update") and found is None:
            missing.append(ref)
            continue
        if verb == "create":
            refusal = _clash(store, kind, properties) or _invalid(kind, properties, item)
            if refusal:
                errors.append(input_error("VALIDATION_ERROR", refusal, ref, trace))
                continue
            found = store.put(kind, None, properties)
            for link in item.get("associations") or []:
                target = str(link["to"]["id"])
                if store.find("contacts", target, None) is None:
                    errors.append(not_found("contacts", [target]))
                    continue
                store.link(kind, found, "contacts", target)
        elif verb in ("update", "upsert"):
            new = found is None
            if id_property and id_property != "hs_object_id":
                properties[id_property] = ref
            found = store.put(kind, found, properties)
        assert found is not None
        view = store.view(kind, found, names + list(properties))
        if verb == "upsert":
            view["new"] = new
        if trace:
            view["objectWriteTraceId"] = trace
        results.append(view)
    if missing:
        errors.append(not_found(kind, missing))
    return batch_reply(results, errors, ok=201 if verb == "create" else 200)


def _clash(store: Store, kind: str, properties: dict[str, Any]) -> str | None:
    for name in store.unique(kind):
        value = properties.get(name)
        if value and store.find(kind, str(value), name):
            return f"A record with {name}={value} already exists"
    return None


def _invalid(kind: str, properties: dict[str, Any], item: dict[str, Any]) -> str | None:
    """A create HubSpot refuses: a required property missing, a value its enumeration lacks, an
    association type that does not join the two objects."""
    for name in REQUIRED.get(kind, ()):
        if not properties.get(name):
            return f"Property {name} is required"
    for (of, name), values in CHOICES.items():
        if of == kind and name in properties and str(properties[name]) not in values:
            return f"{properties[name]} is not a valid option for {name}"
    for link in item.get("associations") or []:
        for spec in link.get("types") or []:
            if spec.get("associationTypeId") != ASSOCIATION_TYPES.get((kind, "contacts")):
                return f"association type {spec.get('associationTypeId')} is not {kind} to contact"
    return None


def search(store: Store, kind: str, body: dict[str, Any], cap: int) -> Reply:
    limit = int(body.get("limit") or 10)
    after = int(body.get("after") or 0)
    if limit > 200:
        return error(400, "limit must be at most 200", "VALIDATION_ERROR")
    if after >= cap:
        return error(400, f"Cannot page beyond {cap} results", "VALIDATION_ERROR")
    sorts = body.get("sorts") or [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    if len(sorts) > 1:
        return error(400, "Only one sort is supported", "VALIDATION_ERROR")
    groups = [g.get("filters") or [] for g in body.get("filterGroups") or []]
    records = store.searchable(kind)
    matched = [i for i, p in records.items() if not groups or any(_all(p, g) for g in groups)]
    sort = sorts[0]["propertyName"]
    matched.sort(
        key=lambda i: (_value(sort, records[i].get(sort, "0")), int(i)),
        reverse=sorts[0].get("direction") == "DESCENDING",
    )
    names = list(body.get("properties") or [])
    found = [store.view(kind, i, names, records[i]) for i in matched[after : after + limit]]
    reply: dict[str, Any] = {"total": len(matched), "results": found}
    if after + limit < len(matched):
        reply["paging"] = {"next": {"after": str(after + limit)}}
    return 200, reply


def _all(properties: dict[str, str], filters: list[dict[str, Any]]) -> bool:
    for f in filters:
        name, stored = f["propertyName"], properties.get(f["propertyName"])
        if stored is None or not OPERATORS[f["operator"]](
            _value(name, stored), _value(name, str(f["value"]))
        ):
            return False
    return True


def _value(name: str, raw: str) -> Any:
    if name in DATES:
        return millis(raw)
    try:
        return float(raw)
    except ValueError:
        return raw


def associations(
    store: Store, source: str, target: str, verb: str, body: dict[str, Any], page: int
) -> Reply:
    kinds = store.kind(source), store.kind(target)
    inputs = body.get("inputs") or []
    if None in kinds:
        return error(400, f"Unable to infer object type from: {source}", "VALIDATION_ERROR")
    if refused := too_many(inputs):
        return refused
    kind, to = str(kinds[0]), str(kinds[1])
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        if verb == "associate/default":
            source_id, target_id = str(item["from"]["id"]), str(item["to"]["id"])
            if store.find(kind, source_id, None) is None or store.find(to, target_id, None) is None:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "message": "No object",
                        "context": {"fromObjectId": [source_id]},
                    }
                )
                continue
            store.link(kind, source_id, to, target_id)
            spec = {"associationCategory": "USER_DEFINED", "associationTypeId": 17}
            results.append({"from": {"id": source_id}, "to": {"id": target_id}} | spec)
            continue
        record_id, offset = str(item["id"]), int(item.get("after") or 0)
        linked = store.linked(kind, record_id, to)
        if not linked:
            errors.append(
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": f"No {to} is associated with {kind} {record_id}.",
                    "context": {"fromObjectId": [record_id]},
                }
            )
            continue
        types = [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]
        to_list = [{"toObjectId": int(t), "associationTypes": types} for t in linked]
        result: dict[str, Any] = {"from": {"id": record_id}, "to": to_list[offset : offset + page]}
        if offset + page < len(linked):
            result["paging"] = {"next": {"after": str(offset + page)}}
        results.append(result)
    return batch_reply(results, errors, ok=200)


def gdpr_delete(store: Store, kind: str, body: dict[str, Any]) -> Reply:
    record_id = str(body.get("objectId", ""))
    if kind != "contacts" or store.find(kind, record_id, None) is None:
        return error(404, "Object not found", "OBJECT_NOT_FOUND")
    store.drop(kind, record_id)
    store.gdpr_deleted.append(record_id)
    return 204, None
