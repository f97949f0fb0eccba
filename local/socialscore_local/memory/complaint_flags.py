"""Which complaints were announced, in the memory ledger's items (pipeline.ports.
ComplaintFlagStore), as store/complaint_flags.py keeps them in the ledger table: a flag item
beside its act's entry, in the profile's partition, so an erasure takes it along."""

from __future__ import annotations

from socialscore.domain.ledger_rules import Key
from socialscore.domain.touch import Touch
from socialscore.store.ledger_items import entry_of, flag_key
from socialscore_local.memory.ledger import MemoryTouchLedger


class MemoryComplaintFlags:
    def __init__(self, ledger: MemoryTouchLedger) -> None:
        self.ledger = ledger

    def unannounced(self, keys: list[Key]) -> dict[Key, Touch]:
        items = self.ledger.items
        out: dict[Key, Touch] = {}
        for profile, key in sorted(set(keys)):
            item = items.get((profile, key))
            if item is None or (profile, flag_key(key)) in items:
                continue
            touch = entry_of(item).counted
            if touch is not None and touch.complaint_hits:
                out[(profile, key)] = touch
        return out

    def mark(self, keys: list[Key]) -> None:
        for profile, key in set(keys):
            self.ledger.items[(profile, flag_key(key))] = {
                "profile": profile,
                "touch": flag_key(key),
            }
