"""Failure injection for chaos runs: AWS calls that fail before or after taking effect, and
Lambda responses that are lost after the handler did its work."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any


class InjectedFault(ConnectionError):
    """A fault the chaos run asked for."""


class Faults:
    def __init__(self, rate: float, seed: int = 0) -> None:
        self.rate = rate
        self.random = random.Random(seed)  # noqa: S311 - reproducible chaos, not crypto
        self.injected: Counter[str] = Counter()

    def _roll(self, where: str) -> None:
        if self.random.random() < self.rate:
            self.injected[where] += 1
            raise InjectedFault(f"injected fault: {where}")

    def install(self, events: Any, active: Callable[[], bool]) -> None:
        """Fail handlers' AWS calls at random: before the call (nothing happened) or after it
        (it took effect but the caller never hears so): the case that breaks naive retries."""

        def before(model: Any, **_: Any) -> None:
            if active():
                self._roll(f"before {model.name}")

        def after(model: Any, **_: Any) -> None:
            if active():
                self._roll(f"after {model.name}")

        events.register("before-call", before, unique_id="ss-fault-before")
        events.register("after-call", after, unique_id="ss-fault-after")

    def maybe_lose_response(self, function: str) -> None:
        """The handler finished, but Lambda never reports it (a timeout, a crash on the way out)."""
        self._roll(f"lost response {function}")
