"""The webhook secrets as ingest uses them: only real secrets, re-read early after a failure.

An empty, too short or (SMMS) non-base64 signing secret is no secret: it is dropped, so its
source answers 401 as if none were configured, and each one is reported (a configuration
error: which source, which field, why; never the value) when a document holding it is read,
at cold start among others. Every field named `*_secrets` (X's, Meta's, LinkedIn's) is a list
of signing secrets; the SMMS entry is one. An entry in the wrong shape is reported the same
way: X's, Meta's or LinkedIn's that is not an object, a field it does not have (a misspelt
`consumer_secret` would otherwise leave the source without a secret, silently), a source
socialscore has not.

The secret document is cached (aws.secrets: 5 minutes). After a signature fails it is read again
at once, at most once a minute, so that a rotated secret is live without waiting out the cache,
and a flood of bad signatures costs at most one read a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from socialscore.sources import linkedin, meta, x
from socialscore.sources.signatures import plain_problem, whsec_problem

REREAD_SECONDS = 60.0
SMMS = "smms"
# The fields of each source's entry (an object); the SMMS entry is its secrets themselves.
FIELDS: dict[str, frozenset[str]] = {
    x.XSource.name: frozenset({x.CONSUMER_SECRETS, x.CLIENT_SECRETS}),
    meta.MetaSource.name: frozenset({meta.APP_SECRETS, meta.VERIFY_TOKEN}),
    linkedin.LinkedInSource.name: frozenset({linkedin.CLIENT_SECRETS}),
}


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
            elif source not in FIELDS:
                problems.append(SecretProblem(str(source), str(source), "not a source"))
            elif not isinstance(entry, Mapping):
                problems.append(SecretProblem(source, source, "not an object of fields"))
            else:
                checked[source] = _fields(source, entry, problems)
        self._raw, self._checked = raw, checked
        if problems:
            self._report(problems)
        return checked


def _fields(source: str, entry: Mapping[str, Any], problems: list[SecretProblem]) -> dict[str, Any]:
    """A source's entry with its signing secrets checked; a field it does not have is left out,
    and reported."""
    checked: dict[str, Any] = {}
    for name, value in entry.items():
        field = f"{source}.{name}"
        if name not in FIELDS[source]:
            expected = ", ".join(sorted(FIELDS[source]))
            problems.append(SecretProblem(source, field, f"not a field (expected {expected})"))
        elif name.endswith("_secrets"):
            checked[name] = _usable(source, field, value, plain_problem, problems)
        elif value is not None and not isinstance(value, str):
            problems.append(SecretProblem(source, field, "not a string"))
        else:
            checked[name] = value
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
