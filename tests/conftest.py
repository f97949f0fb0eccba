"""Hypothesis settings for the whole suite.

In CI (`CI` set) every run draws the same examples: a red build stays red on a rerun and on a
laptop, instead of passing the next time by chance, and prints the blob that replays the failing
example (`@reproduce_failure`). Elsewhere runs stay random, to keep finding new inputs.
`HYPOTHESIS_PROFILE=ci` or `=dev` picks one explicitly.

And the order files are dealt to xdist's workers in: those marked slow first; and no garbage
collection while the files are collected.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Both from Hypothesis' own defaults: Hypothesis loads its built-in "ci" profile by itself when
# `CI` is set at all (even to "false"), and a profile registered without a parent inherits it.
_DEFAULT = settings.get_profile("default")
settings.register_profile(
    "ci",
    _DEFAULT,
    derandomize=True,
    print_blob=True,
    database=None,
    # Shared CI cores make timings noise: a slow run is no failure.
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", _DEFAULT, derandomize=False, print_blob=True)


def _profile() -> str:
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    if chosen:
        return chosen
    ci = os.environ.get("CI", "").strip().lower()
    return "ci" if ci not in ("", "0", "false", "no") else "dev"


settings.load_profile(_profile())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files with a test marked `slow` (a whole demo, chaos, a browser: 10-40 s each) first,
    the others after, each group in its collection order. `make test` deals whole files to two
    workers in this order (--dist loadfile --no-loadscope-reorder), so the long files start at
    once and the short ones fill in at the end: dealt last (xdist's own order puts the files with
    the fewest tests last), a 40 s file ran on one worker while the other sat idle."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # stable: files stay whole, in order


@pytest.hookimpl(wrapper=True)
def pytest_collection() -> Iterator[None]:
    """Collection imports every test module and all they import, each worker for itself: a heap
    that only grows, and CPython's full collections kept walking it (1.2 s of a worker's 6 s
    collecting, in 21 passes). One pass after it; then what is left is frozen (gc.freeze: kept,
    never walked again), so the collections the tests trigger walk only what the tests made, not
    the 200,000 objects of every module imported. And those come less often: by default a full
    pass ran every ~70,000 net allocations, 58 of them in tests/unit (2.4 of its 31 CPU-s; 0.9 in
    7 passes with these thresholds, the whole GC 3.5 -> 2.0 s; peak memory +10 %)."""
    gc.disable()
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()
        gc.set_threshold(2_000, 10, 50)
        gc.enable()
