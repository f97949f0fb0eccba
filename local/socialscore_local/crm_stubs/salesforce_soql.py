"""The SOQL the Salesforce stub runs: the subset socialscore's adapter sends, parsed.

Fields and parent-to-child subqueries; WHERE conditions joined by AND with =, !=, <, <=, >, >=
and IN; ORDER BY; LIMIT. Text compares without case, as Salesforce's does. Anything else is
MALFORMED_QUERY; `matches` evaluates a parsed condition on a record. `Pages` serves a result
a page at a time, as the query endpoint does.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class Query:
    sobject: str
    fields: list[str]
    children: list[tuple[str, Query]]  # (relationship name, its subquery)
    where: list[tuple[str, str, Any]]  # (field, operator, value)
    order: list[str]
    limit: int | None


# --- parsing -------------------------------------------------------------------------------
_KEYWORDS = ("SELECT ", " FROM ", " WHERE ", " ORDER BY ", " LIMIT ")
_CONDITION = re.compile(r"^(\w+)\s*(>=|<=|!=|=|>|<|\bIN\b)\s*(.+)$", re.IGNORECASE | re.DOTALL)
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")


def parse(soql: str) -> Query:
    parts = _clauses(" ".join(soql.split()))
    if "SELECT" not in parts or "FROM" not in parts:
        raise SoqlError("MALFORMED_QUERY", "unexpected token")
    fields, children = [], []
    for item in _split(parts["SELECT"], ","):
        if item.startswith("(") and item.endswith(")"):
            sub = parse(item[1:-1])
            children.append((sub.sobject, sub))
        elif re.fullmatch(r"\w+", item):
            fields.append(item)
        else:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: {item[:40]}")
    where = [_condition(c) for c in _split(parts.get("WHERE", ""), " AND ") if c]
    order = [o.strip() for o in parts.get("ORDER BY", "").split(",") if o.strip()]
    limit = int(parts["LIMIT"]) if parts.get("LIMIT", "").isdigit() else None
    return Query(parts["FROM"].strip(), fields, children, where, order, limit)


def _clauses(soql: str) -> dict[str, str]:
    """The top-level clauses (not a subquery's, nor inside a string) by keyword."""
    marks: list[tuple[int, str]] = []
    for index in _top_level(soql):
        for word in _KEYWORDS:
            if soql.upper().startswith(word, index):
                marks.append((index, word))
    parts = {}
    for (start, word), (end, _) in zip(marks, [*marks[1:], (len(soql), "")], strict=True):
        parts[word.strip()] = soql[start + len(word) : end].strip()
    return parts


def _split(text: str, separator: str) -> list[str]:
    cuts = [i for i in _top_level(text) if text.upper().startswith(separator, i)]
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(text[start:cut])
        start = cut + len(separator)
    return [p.strip() for p in [*pieces, text[start:]]]


def _top_level(text: str) -> list[int]:
    """Positions outside parentheses and string literals."""
    out, depth, quoted, escaped = [], 0, False, False
    for index, char in enumerate(text):
        if quoted:
            quoted = escaped or char != "'"
            escaped = not escaped and char == "\\"
            continue
        if char == "'":
            quoted = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif depth == 0:
            out.append(index)
    return out


def _condition(text: str) -> tuple[str, str, Any]:
    match = _CONDITION.match(text)
    if not match:
        raise SoqlError("MALFORMED_QUERY", f"unexpected condition: {text[:40]}")
    field, operator, raw = match.group(1), match.group(2).upper(), match.group(3).strip()
    if operator == "IN":
        if not (raw.startswith("(") and raw.endswith(")")):
            raise SoqlError("MALFORMED_QUERY", "IN needs a list")
        return field, operator, [_value(v) for v in _split(raw[1:-1], ",")]
    return field, operator, _value(raw)


def _value(raw: str) -> Any:
    if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
        body = raw[1:-1]
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m[1], m[1]), body)
    if _DATETIME.match(raw):
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if raw.lower() in ("null", "true", "false"):
        return {"null": None, "true": True, "false": False}[raw.lower()]
    try:
        return float(raw)
    except ValueError:
        raise SoqlError("MALFORMED_QUERY", f"unexpected value: {raw[:40]}") from None


def matches(stored: Any, sign: str, wanted: Any) -> bool:
    if sign == "IN":
        return any(matches(stored, "=", w) for w in wanted)
    if isinstance(wanted, datetime):
        if stored is None:
            return False
        stored = datetime.fromisoformat(str(stored))
    elif isinstance(wanted, str) and isinstance(stored, str):
        stored, wanted = stored.lower(), wanted.lower()  # SOQL text compares without case
    if sign in ("=", "!="):
        return bool(stored == wanted) == (sign == "=")
    if stored is None or wanted is None:
        return False
    return bool(_COMPARE[sign](stored, wanted))


_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


class Pages:
    """Query results as the API serves them: `size` rows a page, the rest behind
    `nextRecordsUrl`; a child list is a page of its own (`child_size` rows), null when empty."""

    def __init__(self, data_path: str) -> None:
        self._data_path = data_path
        self._cursors: dict[str, tuple[list[dict[str, Any]], int, int | None, int]] = {}

    def first(
        self, rows: list[dict[str, Any]], size: int, child_size: int | None
    ) -> dict[str, Any]:
        return self._page(rows, size, child_size, len(rows))

    def next(self, locator: str) -> dict[str, Any]:
        if locator not in self._cursors:
            raise SoqlError("INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(*self._cursors[locator])

    def _page(
        self, rows: list[dict[str, Any]], size: int, child_size: int | None, total: int
    ) -> dict[str, Any]:
        first, rest = rows[:size], rows[size:]
        page: dict[str, Any] = {"totalSize": total, "done": not rest, "records": []}
        for row in first:
            served = dict(row)
            for name, value in row.items():
                if isinstance(value, list):  # a child relationship
                    child = child_size or len(value)
                    served[name] = self._page(value, child, None, len(value)) if value else None
            if "Id" in served:
                url = f"{self._data_path}/sobjects/{served['attributes']['type']}/{served['Id']}"
                served["attributes"] = served["attributes"] | {"url": url}
            page["records"].append(served)
        if rest:
            locator = f"01gSTUB{len(self._cursors) + 1:011d}-{size}"
            self._cursors[locator] = (rest, size, child_size, total)
            page["nextRecordsUrl"] = f"{self._data_path}/query/{locator}"
        return page
