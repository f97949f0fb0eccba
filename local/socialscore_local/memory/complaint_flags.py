"""Which complaints were announced, in the memory ledger's items (pipeline.ports.
ComplaintFlagStore), as store/complaint_flags.py keeps them in the ledger table: a flag item
beside its act's entry, in the profile's partition, so an erasure takes it along."""

from __future__ import annotations

from socialscore.domain.ledger_rules import Key
from socialscore.domain.touch import Touch
from socialscore.store.complaint_flags import unannounced_in
from socialscore.store.ledger_items import flag_key
from socialscore_local.memory.ledger import MemoryTouchLedger


class MemoryComplaintFlags:
    def __init__(self, ledger: MemoryTouchLedger) -> None:
        self.ledger = ledger

    def unannounced(self, keys: list[Key]) -> dict[Key, Touch]:
        return unannounced_in(self.ledger.items, keys)

    def mark(self, keys: list[Key]) -> None:
        for profile, key in set(keys):
            self.ledger.items[(profile, flag_key(key))] = {
                "profile": profile,
                "touch": flag_key(key),
            }
