"""requirements.lock and the layer's requirements.txt: one dependency set, built from one lock."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
LAYER = ROOT / "layers" / "common" / "requirements.txt"
# The Lambda runtime provides these; a copy in the layer would shadow the runtime's botocore
# under the runtime's boto3. A dependency that needs botocore (aws-xray-sdk, for Powertools'
# Tracer) means shipping boto3 and botocore both, from the lock: then change this test.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}


class Pin:
    def __init__(self, name: str, version: str, marker: str | None, hashes: list[str]) -> None:
        self.name, self.version, self.marker, self.hashes = name, version, marker, hashes


def _pins(path: Path) -> dict[str, Pin]:
    """name -> pin, from a `uv pip compile --generate-hashes` file."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())  # join continuation lines
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([\w.-]+)==(\S+?)\s*(?:;\s*(.+?))?\s*((?:--hash=\S+\s*)*)", line)
        assert match, f"{path.name}: not an exact pin with hashes: {line!r}"
        name, version, marker, hashes = match.groups()
        pins[canonicalize_name(name)] = Pin(name, version, marker, hashes.split())
    return pins


LOCKED = _pins(LOCK)
LAYERED = _pins(LAYER)


@pytest.mark.parametrize("path", [LOCK, LAYER], ids=lambda p: p.name)
def test_every_pin_is_exact_and_hashed(path: Path) -> None:
    pins = _pins(path)
    assert pins
    for pin in pins.values():
        assert pin.hashes, pin.name
        assert all(h.startswith("--hash=sha256:") for h in pin.hashes), pin.name


def test_every_layer_pin_is_the_lock_pin() -> None:
    for name, pin in LAYERED.items():
        assert name in LOCKED, f"{name} is in the layer but not in requirements.lock"
        assert pin.version == LOCKED[name].version, name
        assert set(pin.hashes) <= set(LOCKED[name].hashes), name


def test_the_layer_ships_the_runtime_dependencies_but_the_runtimes_own() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    assert runtime - RUNTIME_PROVIDED <= set(LAYERED)
    assert not RUNTIME_PROVIDED & set(LAYERED)


def test_the_lock_satisfies_pyproject() -> None:
    """Fails when pyproject.toml changed without `make lock`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    for requirement in map(Requirement, wanted):
        name = canonicalize_name(requirement.name)
        assert name in LOCKED, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(LOCKED[name].version, prereleases=True), (
            f"{name}=={LOCKED[name].version} is outside {requirement.specifier}: run `make lock`"
        )


def test_this_environment_is_the_lock() -> None:
    """The tests run on exactly the versions the layer ships (`make setup` after a lock change)."""
    for name, pin in LOCKED.items():
        if pin.marker and not Marker(pin.marker).evaluate():
            continue
        assert importlib.metadata.version(name) == pin.version, f"{name}: run `make setup`"
