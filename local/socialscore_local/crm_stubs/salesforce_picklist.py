"""A multi-select picklist as Salesforce takes it over the REST API: one string, its values
separated by `;`. An unrestricted one (`<restricted>false</restricted>`) takes any value (one the
metadata does not list is kept, shown as an inactive value); a restricted one refuses it. At most
100 values selected; the same value twice is kept once; "" empties the field (null)."""

from __future__ import annotations

from typing import Any

MULTI = "MultiselectPicklist"
MAX_SELECTED = 100


def problems(name: str, value: Any, meta: dict[str, str]) -> list[tuple[str, str]]:
    """(statusCode, message) for each reason Salesforce refuses the value (not null)."""
    if not isinstance(value, str):
        return [("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{meta['label']}: value not of required type")]
    chosen = [v for v in value.split(";") if v]
    if len(set(chosen)) > MAX_SELECTED:
        return [("TOO_MANY_ENUM_VALUE", f"{meta['label']}: too many values selected")]
    listed = set(meta.get("valueSet", "").split(";"))
    unknown = [v for v in chosen if v not in listed]
    if meta.get("restricted") == "true" and unknown:
        message = f"{meta['label']}: bad value for restricted picklist field: {unknown[0]}"
        return [("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message)]
    return []


def stored(value: Any) -> str | None:
    """The value as the org keeps and answers it: each value once, null for none."""
    if not isinstance(value, str):
        return None
    chosen = list(dict.fromkeys(v for v in value.split(";") if v))
    return ";".join(chosen) or None
