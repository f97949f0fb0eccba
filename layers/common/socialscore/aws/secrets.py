"""Secrets Manager, through Powertools parameters: cached per container, refreshed on expiry."""

from __future__ import annotations

from typing import Any

SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is live within 5 minutes, without a deploy


def json_secret(arn: str, *, refresh: bool = False) -> dict[str, Any]:
    """A JSON object secret; anything else reads as empty (nothing configured yet)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(
        arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS, force_fetch=refresh
    )
    return value if isinstance(value, dict) else {}
