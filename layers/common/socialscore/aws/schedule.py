"""What EventBridge Scheduler hands a scheduled function."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def slot_time(event: Mapping[str, Any]) -> datetime:
    """The schedule's slot time (`<aws.scheduler.scheduled-time>` in the template's Input), so a
    retried run computes what the first attempt would have; now when invoked by hand."""
    stamp = event.get("as_of")
    return datetime.fromisoformat(stamp) if stamp else datetime.now(UTC)
