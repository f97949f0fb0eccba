"""The HubSpot stub's property and custom object schema endpoints (what `crm-setup hubspot`
calls), over its `Store`: properties and property groups created, read and updated, and custom
object schemas (an Enterprise account's)."""

from __future__ import annotations

from typing import Any

from socialscore_local.crm_stubs.hubspot_api import (
    FIELD_TYPES,
    MAX_UNIQUE,
    PORTAL,
    UNIQUE_TYPES,
    Reply,
    Store,
    correlation,
    error,
)


def create_property(store: Store, segment: str, body: dict[str, Any], group: bool) -> Reply:
    kind = store.kind(segment)
    if kind is None:
        return error(400, f"Unable to infer object type from: {segment}", "VALIDATION_ERROR")
    name = str(body.get("name", ""))
    if group:
        if name in store.groups.setdefault(kind, set()):
            return error(409, f"A property group named '{name}' already exists.", "CONFLICT")
        store.groups[kind].add(name)
        return 201, body
    if name in store.properties.setdefault(kind, {}):
        return error(409, f"Property named '{name}' already exists.", "OBJECT_ALREADY_EXISTS")
    kind_of, field_type = body.get("type"), body.get("fieldType")
    if field_type not in FIELD_TYPES.get(str(kind_of), ()):
        message = f"Property {name}: fieldType {field_type} is not valid for type {kind_of}"
        return error(400, message, "VALIDATION_ERROR")
    if body.get("hasUniqueValue") and (refused := _no_unique(store, kind, name)):
        return refused
    if body.get("groupName") not in store.groups.get(kind, set()):
        return error(
            400, f"Property group {body.get('groupName')} does not exist", "VALIDATION_ERROR"
        )
    store.properties[kind][name] = dict(body)
    return 201, body


def _no_unique(store: Store, kind: str, name: str) -> Reply | None:
    """HubSpot's refusal of a unique-value property where it offers none: on an object type it
    does not document them for, or past its 10 an object type. HubSpot documents no message
    for it: the stub answers its documented error shape (a 400, category VALIDATION_ERROR)."""
    if kind not in UNIQUE_TYPES and kind not in store.schemas:
        message = f"Property {name}: hasUniqueValue is not supported for {kind}"
        return error(400, message, "VALIDATION_ERROR", correlationId=correlation())
    if len(store.unique(kind)) >= MAX_UNIQUE:
        message = f"Property {name}: {kind} already has {MAX_UNIQUE} unique value properties"
        return error(400, message, "VALIDATION_ERROR", correlationId=correlation())
    return None


def one_property(store: Store, method: str, segment: str, name: str, body: dict[str, Any]) -> Reply:
    """GET a property's definition, or PATCH it: the fields given replace the stored ones (an
    enumeration's `options` as a whole list, as HubSpot does)."""
    kind = store.kind(segment)
    found = store.properties.get(kind or "", {}).get(name)
    if kind is None or found is None:
        message = f"Unable to find property {name} for {segment}"
        return error(404, message, "OBJECT_NOT_FOUND", correlationId=correlation())
    if method == "PATCH":
        found.update({k: v for k, v in body.items() if k not in ("name", "type")})
    return 200, found


def schemas(store: Store, method: str, body: dict[str, Any]) -> Reply:
    if not store.enterprise:
        return error(403, "This account does not have access to custom objects", "FORBIDDEN")
    if method == "GET":
        return 200, {"results": list(store.schemas.values())}
    name = str(body.get("name", ""))
    if name in store.schemas:
        return error(409, f"Object type {name} already exists", "OBJECT_ALREADY_EXISTS")
    number = 2_000_000 + len(store.schemas)
    schema = body | {
        "id": str(number),
        "objectTypeId": f"2-{number}",
        "fullyQualifiedName": f"p{PORTAL}_{name}",
    }
    store.schemas[name] = schema
    store.groups[name] = {f"{name}_information"}
    store.properties[name] = {p["name"]: dict(p) for p in body.get("properties") or []}
    store.records[name] = {}
    return 201, schema
