"""What ingest's replay memory says of a signed delivery id (Standard Webhooks' webhook-id)."""

from __future__ import annotations

from enum import StrEnum


class Claim(StrEnum):
    NEW = "new"  # not seen, or seen with this body and not queued yet: queue it
    QUEUED = "queued"  # seen with this body and queued: acknowledge, queue nothing
    CONFLICT = "conflict"  # seen with another body: refuse
