"""The webhook secrets as ingest uses them: only real secrets, re-read early after a failure.

An empty, too short or (SMMS) non-base64 signing secret is no secret: it is dropped, so its
source answers 401 as if none were configured, and each one is reported (a configuration
error: which source, which field, why; never the value) when a document holding it is read,
at cold start among others. Every field named `*_secrets` (X's, Meta's) is a list of signing
secrets; the SMMS entry is one.

The secret document is cached (aws.secrets: 5 minutes). After a signature fails it is read again
at once, at most once a minute, so that a rotated secret is live without waiting out the cache,
and a flood of bad signatures costs at most one read a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from socialscore.sources.signatures import plain_problem, whsec_problem

REREAD_SECONDS = 60.0
SMMS = "smms"


@dataclass(frozen=True)
class SecretProblem:
    source: str
    field: str  # e.g. "smms.1", "x.consumer_secrets.0"
    problem: str  # e.g. "not base64": never the value


Load = Callable[[bool], Mapping[str, Any]]  # refresh -> the raw secret document


class WebhookSecrets:
    def __init__(
        self,
        load: Load,
        report: Callable[[list[SecretProblem]], None] = lambda problems: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._report = report
        self._clock = clock
        self._raw: Mapping[str, Any] | None = None
        self._checked: dict[str, Any] = {}
        self._last_reread = float("-inf")

    def current(self) -> dict[str, Any]:
        """The usable secrets by source (the cached document's)."""
        return self._check(self._load(False))

    def reread(self) -> dict[str, Any] | None:
        """The secrets read again after a signature failed; None when the last re-read was
        less than a minute ago, or nothing changed."""
        now = self._clock()
        if now - self._last_reread < REREAD_SECONDS:
            return None
        self._last_reread = now
        before = self._raw
        checked = self._check(self._load(True))
        return None if self._raw == before else checked

    def _check(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        if raw == self._raw:
            return self._checked
        problems: list[SecretProblem] = []
        checked: dict[str, Any] = {}
        for source, entry in raw.items():
            if source == SMMS:
                checked[source] = _usable(source, source, entry, whsec_problem, problems)
            elif isinstance(entry, Mapping):
                checked[source] = {
                    name: _usable(source, f"{source}.{name}", value, plain_problem, problems)
                    if name.endswith("_secrets")
                    else value
                    for name, value in entry.items()
                }
            else:
                checked[source] = entry
        self._raw, self._checked = raw, checked
        if problems:
            self._report(problems)
        return checked


def _usable(
    source: str,
    field: str,
    entry: Any,
    problem_of: Callable[[object], str | None],
    problems: list[SecretProblem],
) -> list[str]:
    if entry is None:
        return []
    if not isinstance(entry, str | list):
        problems.append(SecretProblem(source, field, "not a secret or a list of secrets"))
        return []
    good: list[str] = []
    for n, secret in enumerate([entry] if isinstance(entry, str) else entry):
        problem = problem_of(secret)
        if problem is None:
            good.append(secret)
        else:
            problems.append(SecretProblem(source, f"{field}.{n}", problem))
    return good
