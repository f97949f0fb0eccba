"""How rehydration ends for one interaction: forwarded, dropped, deferred or failed."""

from __future__ import annotations

from dataclasses import dataclass

from socialscore.domain.messages import Rehydrated


@dataclass(frozen=True)
class Dropped:
    """Not an error to retry: the interaction cannot be credited, for the reason given."""

    reason: str


@dataclass(frozen=True)
class Deferred:
    """Send the interaction again, visible after `delay_seconds`, and count this delivery done."""

    reason: str
    delay_seconds: int = 0


@dataclass(frozen=True)
class Failed:
    """Report the delivery failed: SQS retries it, and after maxReceiveCount moves it to the DLQ."""

    reason: str


Outcome = Rehydrated | Dropped | Deferred | Failed
