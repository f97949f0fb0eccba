"""The locks and the layer's requirements.txt: one dependency set, built from one lock.

requirements.lock pins everything (the product, its local runtime, the developer's tools);
requirements-demo.lock, what `make demo` installs, pins the product and its local runtime only,
at requirements.lock's versions; the layer ships the product's, at the same versions."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
DEMO_LOCK = ROOT / "requirements-demo.lock"
LAYER = ROOT / "layers" / "common" / "requirements.txt"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# The Lambda runtime provides these; a copy in the layer would shadow the runtime's botocore
# under the runtime's boto3. A dependency that needs botocore (aws-xray-sdk, for Powertools'
# Tracer) means shipping boto3 and botocore both, from the lock: then change this test.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}
# What the demo and serve run: the product's packages (functions/ holds thin handlers over them).
FIRST_PARTY = ("socialscore", "socialscore_local", "socialscore_ops")
SOURCES = ("layers/common/socialscore", "local/socialscore_local", "ops/socialscore_ops")


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
DEMO_LOCKED = _pins(DEMO_LOCK)
LAYERED = _pins(LAYER)


def _requirements(*extras: str) -> list[Requirement]:
    """The project's dependencies, those of the extras named, and what builds it (the editable
    install builds without isolation, from the lock)."""
    project = PYPROJECT["project"]
    wanted = project["dependencies"] + PYPROJECT["build-system"]["requires"]
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(r) for r in wanted]


@pytest.mark.parametrize("path", [LOCK, DEMO_LOCK, LAYER], ids=lambda p: p.name)
def test_every_pin_is_exact_and_hashed(path: Path) -> None:
    pins = _pins(path)
    assert pins
    for pin in pins.values():
        assert pin.hashes, pin.name
        assert all(h.startswith("--hash=sha256:") for h in pin.hashes), pin.name


@pytest.mark.parametrize("path", [DEMO_LOCK, LAYER], ids=lambda p: p.name)
def test_every_pin_of_the_demo_and_the_layer_is_the_lock_pin(path: Path) -> None:
    for name, pin in _pins(path).items():
        assert name in LOCKED, f"{name} is in {path.name} but not in requirements.lock"
        assert pin.version == LOCKED[name].version, name
        assert set(pin.hashes) <= set(LOCKED[name].hashes), name


def test_the_layer_ships_the_runtime_dependencies_but_the_runtimes_own() -> None:
    runtime = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    assert runtime - RUNTIME_PROVIDED <= set(LAYERED)
    assert not RUNTIME_PROVIDED & set(LAYERED)


@pytest.mark.parametrize(
    ("path", "extras"),
    [(DEMO_LOCK, ("local",)), (LOCK, ("local", "dev"))],
    ids=lambda v: v.name if isinstance(v, Path) else "+".join(v),
)
def test_the_locks_satisfy_pyproject(path: Path, extras: tuple[str, ...]) -> None:
    """Fails when pyproject.toml changed without `make lock`."""
    pins = _pins(path)
    for requirement in _requirements(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {path.name}: run `make lock`"
        assert requirement.specifier.contains(pins[name].version, prereleases=True), (
            f"{name}=={pins[name].version} is outside {requirement.specifier}: run `make lock`"
        )


def test_the_demo_installs_no_developer_tool() -> None:
    """`make demo` is the light first run: pytest, mypy, Playwright, cfn-lint (and its sympy)
    come with `make test`."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    local = {canonicalize_name(Requirement(r).name) for r in extras["local"]}
    # moto with more extras for the tests is still the demo's moto
    dev = {canonicalize_name(Requirement(r).name) for r in extras["dev"]} - local
    assert dev
    assert not dev & set(DEMO_LOCKED)
    assert not {"sympy", "networkx"} & set(DEMO_LOCKED)


def _imports(tree: ast.AST) -> Iterator[str]:
    """Every module imported anywhere in a file, in functions too (the local runtime imports
    moto's server app only when serve starts), but not for type checkers alone."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (name for child in node.orelse for name in _imports(child))
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
        yield from _imports(node)


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        for path in (ROOT / source).rglob("*.py"):
            for module in _imports(ast.parse(path.read_text())):
                top = module.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                    found.add(module)
    return found


LOADER = """
import importlib, json, pkgutil, sys
for package in {first_party!r}:
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
for module in {third_party!r}:
    importlib.import_module(module)
print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}})))
"""


def test_the_demo_lock_holds_all_the_local_runtime_loads() -> None:
    """Every distribution that a module of the product, its local runtime or its ops CLI loads,
    with what it imports lazily (moto's server app for serve), is in requirements-demo.lock:
    `make demo` and `make serve` run on that lock alone."""
    third_party = sorted(_third_party_imports())
    assert "moto.moto_server.werkzeug_app" in third_party  # serve's lazy import is seen
    code = LOADER.format(first_party=FIRST_PARTY, third_party=third_party)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, f"the product's modules do not import: {run.stderr[-2000:]}"
    loaded = json.loads(run.stdout)
    owners = importlib.metadata.packages_distributions()
    needed = {canonicalize_name(dist) for top in loaded for dist in owners.get(top, [])}
    assert {"moto", "flask", "pyyaml", "pydantic"} <= needed
    missing = needed - set(DEMO_LOCKED) - {"socialscore"}
    assert not missing, f"loaded by the local runtime, not in requirements-demo.lock: {missing}"


def test_this_environment_is_the_lock() -> None:
    """The tests run on exactly the versions the layer ships (`make setup` after a lock change)."""
    for name, pin in LOCKED.items():
        if pin.marker and not Marker(pin.marker).evaluate():
            continue
        assert importlib.metadata.version(name) == pin.version, f"{name}: run `make setup`"
