"""Lazily created AWS clients, shared by the repositories of one Lambda container.

Created on first use, never at import: a client made before moto starts escapes the mock,
and import-time clients slow every cold start.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode backs off on throttling; a Lambda has little time, so keep attempts few.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (a new account or endpoint, as in a fresh local runtime)."""
    client.cache_clear()
