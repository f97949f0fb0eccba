"""CI runs of the property tests are reproducible: tests/conftest.py loads a derandomized
profile when `CI` is set, and a random one otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import runpy; runpy.run_path('tests/conftest.py');"
    "from hypothesis import settings; d = settings.default;"
    "print(d.derandomize, d.print_blob)"
)


@pytest.mark.parametrize(
    ("ci", "expected"),
    [("true", "True True"), ("1", "True True"), ("", "False True"), ("false", "False True")],
)
def test_ci_runs_are_derandomized_and_print_their_blob(ci: str, expected: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
    environment["CI"] = ci
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split("\n")[-2] == expected
