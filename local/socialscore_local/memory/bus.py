"""The event bus in a list (pipeline.ports.EventBus): each event published, or the refusal
EventBridge's PutEvents answers when `refuse` is set (aws.events raises on any entry refused,
so the caller retries and flags nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class MemoryBus:
    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.events: list[tuple[str, dict[str, Any]]] = []  # (detail type, detail)

    def publish(self, detail_type: str, details: Sequence[dict[str, Any]]) -> None:
        if self.refuse:
            raise RuntimeError(f"{len(details)} {detail_type} events were refused")
        self.events += [(detail_type, d) for d in details]
