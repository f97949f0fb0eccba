"""A crm_sync run's time budget: the invocation's remaining time (the Lambda context's
get_remaining_time_in_millis), less a reserve for the last slice's save. Another slice is begun
only while the longest slice so far still fits before the reserve, so a run ends with its last
slice saved instead of being cut off by the timeout half-way through one."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# A slice's save is one or two BatchWriteItem rounds of its digests and cursors (seconds at
# most); a HubSpot push may also wait out up to 10 s on a rate limit inside the slice.
RESERVE_SECONDS = 30.0


@dataclass
class Budget:
    remaining: Callable[[], float]  # seconds left in this invocation
    reserve: float = RESERVE_SECONDS
    longest: float = 0.0  # the longest slice so far, in seconds

    @classmethod
    def unlimited(cls) -> Budget:
        return cls(lambda: math.inf)

    def start(self) -> float:
        return self.remaining()

    def spent(self, since: float) -> None:
        """A slice begun at `since` (what `start` gave) is done and saved."""
        if math.isfinite(since):
            self.longest = max(self.longest, since - self.remaining())

    def another(self) -> bool:
        """Whether another slice of the longest size seen fits before the reserve."""
        return self.remaining() - self.longest > self.reserve
