"""What crm_sync's fakes count, on a simulated clock (no real sleeping), so a run's time budget
can be spent as on Lambda: DynamoDB requests by operation (crm_reads, sync_state), CRM calls
(crm)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Clock:
    seconds: float = 0.0


@dataclass
class Requests:
    """DynamoDB requests by operation, each `latency` simulated seconds."""

    clock: Clock
    latency: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] += n
        self.clock.seconds += n * self.latency

    def total(self) -> int:
        return sum(self.counts.values())


def batches(n: int, size: int = 100) -> int:
    return math.ceil(n / size)
