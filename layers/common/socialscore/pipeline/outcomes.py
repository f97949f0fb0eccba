"""How rehydration ends for one interaction (forwarded, dropped, deferred or failed), and where
each outcome goes: the resolve queue, a logged and counted drop, back to the rehydrate queue with
a delay, or a failed delivery (SQS retries it, then its DLQ)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from socialscore.aws import batch
from socialscore.aws.logs import logger
from socialscore.domain.interaction import Interaction
from socialscore.domain.messages import Rehydrated, RehydrateMessage

# A record rate-limited this often (about a day of 15-minute windows) goes the failure way,
# to the DLQ, where an operator sees it.
MAX_DEFERRALS = 96
TOO_OFTEN = "deferred_too_often"


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


@dataclass
class Routes:
    """Where a batch's outcomes go. `counts`: "forwarded", and "<outcome>.<reason>" for the
    others."""

    forward: list[tuple[str, str]] = field(default_factory=list)  # (message id, body)
    again: list[tuple[str, str, int]] = field(default_factory=list)  # (id, body, delay)
    deferrals: dict[str, int] = field(default_factory=dict)  # message id -> its count, raised
    failed: batch.Failures = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def by_reason(self, outcome: str) -> dict[str, int]:
        """reason -> count, for one outcome ("dropped", "deferred", "failed")."""
        prefix = f"{outcome}."
        return {k.removeprefix(prefix): n for k, n in self.counts.items() if k.startswith(prefix)}


def route(
    interactions: list[tuple[batch.Received[RehydrateMessage], Interaction]],
    outcomes: list[Outcome],
) -> Routes:
    """Where each interaction's outcome sends it; a drop is logged with its reason (never the
    interaction's content), a deferral past MAX_DEFERRALS fails instead."""
    routes = Routes()
    for (received, interaction), outcome in zip(interactions, outcomes, strict=True):
        mid, iid = received.id, interaction.interaction_id
        if isinstance(outcome, Rehydrated):
            routes.forward.append((mid, outcome.model_dump_json()))
            routes.counts["forwarded"] += 1
        elif isinstance(outcome, Dropped):
            logger().warning("dropped", extra={"interaction_id": iid, "reason": outcome.reason})
            routes.counts[f"dropped.{outcome.reason}"] += 1
        elif isinstance(outcome, Deferred) and received.deferrals < MAX_DEFERRALS:
            body = interaction.model_dump_json()
            routes.again.append((mid, body, outcome.delay_seconds))
            routes.deferrals[mid] = received.deferrals + 1
            routes.counts[f"deferred.{outcome.reason}"] += 1
        else:
            reason = outcome.reason if isinstance(outcome, Failed) else TOO_OFTEN
            # Logged with the stage's answer, at the level its delivery calls for (aws.batch).
            routes.failed[mid] = batch.Failure(reason, {"interaction_id": iid})
            routes.counts[f"failed.{reason}"] += 1
    return routes
