"""Dependencies point inward: a folder of the package imports only from the folders after it in
ORDER (the domain from none of ours), the domain imports no AWS or HTTP library, and neither the
use cases nor the handlers build a concrete store, queue or provider (the wiring does, and
hands them the ports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "common" / "socialscore"
ORDER = ["wiring", "pipeline", "sources", "providers", "crm", "store", "aws", "domain"]
IO_LIBRARIES = {"boto3", "botocore", "urllib3", "urllib.request", "http", "requests", "socket"}
IO_LIBRARIES |= {"aws_lambda_powertools"}


def imports(path: Path) -> set[str]:
    """Every module the file imports, as absolute dotted names (`from x import y` gives both
    x and x.y: y may be a module)."""
    package = ["socialscore", *path.relative_to(PACKAGE).parent.parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def files(folder: str) -> list[Path]:
    found = sorted((PACKAGE / folder).rglob("*.py"))
    assert found, f"no module in {folder}"
    return found


@pytest.mark.parametrize("folder", ORDER)
def test_a_folder_imports_only_the_folders_after_it(folder: str) -> None:
    allowed = set(ORDER[ORDER.index(folder) :])
    for path in files(folder):
        for module in imports(path):
            parts = module.split(".")
            if parts[0] == "socialscore" and len(parts) > 1 and parts[1] in ORDER:
                assert parts[1] in allowed, f"{path.name} imports {module}"


def test_the_domain_does_no_io() -> None:
    for path in files("domain"):
        for module in imports(path):
            io = [lib for lib in IO_LIBRARIES if module == lib or module.startswith(f"{lib}.")]
            assert not io, f"{path.name} imports {module}"


# Attributes only the scores' store gives an item: its key, the `by_day` index's key, the hot-lead
# flag's time (the domain says what an aggregate counts; how an item is keyed and flagged is the
# store's: store.scores).
STORE_ATTRIBUTES = {"pk", "rollup", "hot_since"}


def test_the_domain_names_no_attribute_only_the_store_sets() -> None:
    for path in files("domain"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in STORE_ATTRIBUTES:
                raise AssertionError(f"{path.name}:{node.lineno} names {node.value!r}")


def test_the_use_cases_build_no_store() -> None:
    for path in files("pipeline"):
        built = [m for m in imports(path) if m.startswith("socialscore.store.")]
        assert not built, f"{path.name} imports {built[0]}: socialscore.wiring builds stores"


def test_the_report_reads_no_use_case() -> None:
    for path in files("report"):
        upward = [m for m in imports(path) if m.startswith("socialscore.pipeline")]
        assert not upward, f"{path.name} imports {upward[0]}"


# What only the wiring builds: stores, queues, the bus, providers, CRM adapters.
ADAPTERS: tuple[str, ...] = ("socialscore.store.", "socialscore.aws.sqs", "socialscore.aws.events")
ADAPTERS += ("socialscore.providers.", "socialscore.crm.")
HANDLERS = sorted((PACKAGE.parents[2] / "functions").glob("*/*_handler.py"))


def run_time_imports(path: Path) -> set[str]:
    """The modules a file imports to run, not those under `if TYPE_CHECKING:` (types only)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test).endswith("TYPE_CHECKING")
        for n in ast.walk(block)
    }
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and id(node) not in typing_only
    }


def test_a_handler_builds_no_adapter_the_wiring_does() -> None:
    assert len(HANDLERS) >= 8
    for path in HANDLERS:
        built = sorted(m for m in run_time_imports(path) if m.startswith(ADAPTERS))
        assert not built, f"{path.name} imports {built[0]}: ask socialscore.wiring for it"
