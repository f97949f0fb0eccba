"""Which complaints were announced: a flag item per act, in the ledger table.

A flag sits beside its act's entry, in the profile's partition (sort key `complaint#<dedupe
key>`), so one consistent read gives both what the ledger counts and whether it was announced,
and an erasure deletes the flag with the person's entries. The flag is written only after the
event is on the bus (at least once: a crash in between announces again, under the same id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from socialscore.domain.ledger_rules import Key
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger_items import entry_of, flag_key


class ComplaintFlags:
    def __init__(self, ledger_table: str) -> None:
        self._table = ledger_table

    def unannounced(self, keys: list[Key]) -> dict[Key, Touch]:
        """The acts at these ledger keys that the ledger counts as complaints and that were not
        announced yet, as the ledger holds them. Read consistently, right after the batch's
        transactions: each entry with its flag, one BatchGetItem per 50 acts."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        names = [{"profile": p, "touch": k} for p, k in wanted]
        names += [{"profile": p, "touch": flag_key(k)} for p, k in wanted]
        found = {
            (i["profile"], i["touch"]): i
            for i in dynamo.batch_get_keys(self._table, names, consistent=True)
        }
        return unannounced_in(found, wanted)

    def mark(self, keys: list[Key]) -> None:
        """Flag these complaints announced. A flag is its key alone: writing it again changes
        nothing, and a replay of the same stream leaves the same items."""
        dynamo.batch_write(
            self._table,
            [
                {"PutRequest": {"Item": dynamo.to_item({"profile": p, "touch": flag_key(k)})}}
                for p, k in sorted(set(keys))
            ],
        )


def unannounced_in(found: Mapping[Key, dict[str, Any]], keys: Iterable[Key]) -> dict[Key, Touch]:
    """Of the acts at these ledger keys, those the found items count as complaints and hold no
    flag for (the memory fake reads its items through this too)."""
    out: dict[Key, Touch] = {}
    for profile, key in sorted(set(keys)):
        item = found.get((profile, key))
        if item is None or (profile, flag_key(key)) in found:
            continue
        touch = entry_of(item).counted
        if touch is not None and touch.complaint_hits:
            out[(profile, key)] = touch
    return out
