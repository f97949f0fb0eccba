"""EventBridge: the product's events (hot leads, complaints) on the stack's bus, each naming
the stack in `resources`, so that a stack's delivery rules match its own events only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from socialscore.aws import clients

SOURCE = "socialscore"
_PER_CALL = 10  # PutEvents' limit


class EventBridgeBus:
    def __init__(self, name: str, stack_id: str | None = None) -> None:
        self.name = name
        self.resources = [stack_id] if stack_id else []

    def publish(self, detail_type: str, details: Sequence[dict[str, Any]]) -> None:
        entries = [
            {
                "Source": SOURCE,
                "DetailType": detail_type,
                "EventBusName": self.name,
                "Detail": json.dumps(detail),
                "Resources": self.resources,
            }
            for detail in details
        ]
        for start in range(0, len(entries), _PER_CALL):
            chunk = entries[start : start + _PER_CALL]
            reply = clients.client("events").put_events(Entries=chunk)
            if reply.get("FailedEntryCount"):
                raise RuntimeError(f"{reply['FailedEntryCount']} {detail_type} events were refused")
