"""A crm_sync run's time budget: the invocation's remaining time (the Lambda context's
get_remaining_time_in_millis), less a reserve for the last slice's save. A slice is begun only
while the longest slice of its kind so far (of any kind, for the first of a kind) still fits
before the reserve, so a run ends with its last slice saved instead of being cut off by the
timeout half-way through one."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

# A slice's save is one or two BatchWriteItem rounds of its digests and cursors (seconds at
# most); a HubSpot push may also wait out up to 10 s on a rate limit inside the slice.
RESERVE_SECONDS = 30.0


@dataclass
class Budget:
    remaining: Callable[[], float]  # seconds left in this invocation
    reserve: float = RESERVE_SECONDS
    longest: dict[str, float] = field(default_factory=dict)  # kind -> longest slice, seconds

    @classmethod
    def unlimited(cls) -> Budget:
        return cls(lambda: math.inf)

    def start(self) -> float:
        return self.remaining()

    def spent(self, kind: str, since: float) -> None:
        """A slice of `kind` begun at `since` (what `start` gave) is done and saved."""
        if math.isfinite(since):
            took = since - self.remaining()
            self.longest[kind] = max(self.longest.get(kind, 0.0), took)

    def left(self) -> float:
        """Seconds a slice begun may still take before the reserve (what a CRM call that waits,
        a Salesforce Bulk job, may wait at most)."""
        return self.remaining() - self.reserve

    def allows(self, kind: str) -> bool:
        """Whether a slice of `kind`, as long as the longest seen, fits before the reserve."""
        guess = self.longest.get(kind, max(self.longest.values(), default=0.0))
        return self.left() > guess
