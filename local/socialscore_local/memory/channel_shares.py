"""The attribution job's results in memory (pipeline.ports.ChannelShareStore, and the readers'
`get`), as store.channel_shares keeps them in the sync state table: each run's result under
`channels#<version>`, and `channels#latest` a copy of the newest by as-of time, which an older
slot's run (a retry, a backfill) never moves back. Kept as stored: JSON
(tests/integration/test_attribution_stores_contract.py)."""

from __future__ import annotations

import json
from typing import Any

from socialscore.store.channel_shares import LATEST, PREFIX


class MemoryChannelShares:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}  # by the table's key

    def save(self, version: str, as_of: str, result: dict[str, Any]) -> None:
        item = {"version": version, "as_of": as_of, "result": json.dumps(result, sort_keys=True)}
        self.items[f"{PREFIX}{version}"] = item
        held = self.items.get(LATEST)
        if held is None or held["as_of"] <= as_of:
            self.items[LATEST] = item

    def get(self, version: str = "latest") -> dict[str, Any] | None:
        item = self.items.get(f"{PREFIX}{version}")
        return None if item is None else dict(json.loads(item["result"]))
