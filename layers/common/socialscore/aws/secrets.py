"""Secrets Manager, through Powertools parameters: cached per container, refreshed on expiry."""

from __future__ import annotations

import json
from typing import Any

SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is live within 5 minutes, without a deploy


def json_secret(arn: str, *, refresh: bool = False) -> dict[str, Any]:
    """A JSON object secret; anything else reads as empty (nothing configured yet)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(
        arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS, force_fetch=refresh
    )
    return value if isinstance(value, dict) else {}


def text_secret(arn: str, field: str, *, refresh: bool = False) -> str:
    """One field of a JSON object secret, or the whole secret when an operator stored the value
    bare; empty when it is not set yet."""
    from aws_lambda_powertools.utilities import parameters

    raw = str(parameters.get_secret(arn, max_age=SECRET_MAX_AGE_SECONDS, force_fetch=refresh))
    try:
        value = json.loads(raw)
    except ValueError:
        return raw.strip()
    return str(value.get(field, "")).strip() if isinstance(value, dict) else ""
