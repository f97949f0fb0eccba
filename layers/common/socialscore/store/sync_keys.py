"""The sync-state table's item keys, by kind (store.sync_state, store.opportunities)."""

from __future__ import annotations

from typing import Literal

# The table's items, by kind: what a record's last push left (pushed#<record key>), an
# opportunity seen, a contact's opportunities, a profile's complaint cases, the run's cursors.
ItemKind = Literal["pushed", "opportunity", "contact", "cases", "run"]


def item_key(kind: ItemKind, name: str) -> str:
    return f"{kind}#{name}"
