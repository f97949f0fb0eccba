"""Decayed scores without read-modify-write (order-independent decay).

A profile stores, per category, S = sum(w_i * 2 ** ((t_i - T0) / h)); its score at time t is
S * 2 ** (-(t - T0) / h). Adding a touch is a commutative ADD, so late, concurrent and retried
updates stay exact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Context, Decimal

# T0. A touch's units grow 2x per half-life after it; DynamoDB keeps 38 digits and a touch's units
# carry 15, so sums stay exact while touches lie within ~76 half-lives of T0 (6 years at 30 days).
# Rebase before then: pick a new T0 and rebuild the aggregates from the ledger.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Sums are added as DynamoDB's ADD adds them: 38 significant digits.
STORED_DIGITS = Context(prec=38)


def number(value: float) -> Decimal:
    """A float as a Decimal with 15 significant digits, so sums of them stay exact."""
    return Decimal(f"{value:.15g}")


def units(weight: float, at: datetime, half_life_seconds: float) -> Decimal:
    """A touch's contribution to S. Rounded once, here, so that sums are exact in any order."""
    return number(weight * 2 ** ((at - EPOCH).total_seconds() / half_life_seconds))


def score_at(total_units: Decimal, at: datetime, half_life_seconds: float) -> float:
    return float(total_units) * 2 ** (-(at - EPOCH).total_seconds() / half_life_seconds)
