"""The demo's last lines: the activities that landed on the people's records, as the CRM shows
them (a few, and how many in all)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from socialscore.domain.activity import Activity, title

SHOWN = 5


def summary(crm: str, entries: Iterable[tuple[str, str]]) -> str:
    """(contact, one line for a person) of every activity the CRM holds: how many, and the
    first of a few contacts'."""
    held = sorted(entries)
    lines = [f"{crm}: {len(held)} activities on {len({c for c, _ in held})} contacts' records"]
    first = dict(reversed(held))  # one a contact, its first: the shown ones vary
    lines += [f"  {contact}: {line}" for contact, line in sorted(first.items())[:SHOWN]]
    return "\n".join(lines)


def from_outbox(outbox: Path) -> str:
    """The file CRM's: its outbox's activity lines, less those removed after."""
    if not outbox.exists():
        return summary("outbox", [])
    held: dict[str, tuple[str, str]] = {}
    for raw in outbox.read_text().splitlines():
        line = json.loads(raw)
        kind = line.pop("type", None)
        if kind == "activity":
            held[line["id"]] = (line["contact_id"], title(Activity.model_validate(line)))
        elif kind == "removed_activity":
            held.pop(line["id"], None)
    return summary("outbox", held.values())
