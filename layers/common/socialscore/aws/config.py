"""Names of tables, queues and secrets: set by template.yaml, read lazily from the environment."""

from __future__ import annotations

import os


class ConfigurationError(RuntimeError):
    """A required setting is missing: the function was deployed without its environment."""


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set (see template.yaml)")
    return value


def optional(name: str, default: str = "") -> str:
    return os.environ.get(name) or default
