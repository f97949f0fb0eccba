"""The function's Powertools logger, for modules that are not the handler."""

from __future__ import annotations

import os
from functools import cache

from aws_lambda_powertools import Logger


def logger() -> Logger:
    """The function's Powertools logger, found by its service name when a line is written.

    Not a child logger made at import: a module imported before its handler made
    `Logger(service=...)`, or under another service name, had no parent, and its lines lost
    every field. Looking the service up per line also keeps the local runtime right, where
    every function runs in one process, each with its own POWERTOOLS_SERVICE_NAME.
    """
    return _logger_of(os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined"))


@cache
def _logger_of(service: str) -> Logger:
    # Same name as the handler's Logger: the same handler and formatter, so the keys the
    # handler appends (Lambda context, correlation ids) are on these lines too.
    return Logger(service=service)
