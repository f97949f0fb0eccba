"""Dependencies point inward: a folder of the package imports only from the folders after it in
ORDER (the domain from none of ours), and the domain imports no AWS or HTTP library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "common" / "socialscore"
ORDER = ["pipeline", "sources", "providers", "crm", "store", "aws", "domain"]
IO_LIBRARIES = {"boto3", "botocore", "urllib3", "urllib.request", "http", "aws_lambda_powertools"}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("folder", ORDER)
def test_a_folder_imports_only_the_folders_after_it(folder: str) -> None:
    allowed = set(ORDER[ORDER.index(folder) :])
    for path in sorted((PACKAGE / folder).glob("*.py")):
        for module in imports(path):
            parts = module.split(".")
            if parts[0] == "socialscore" and len(parts) > 1:
                assert parts[1] in allowed, f"{path.name} imports {module}"


def test_the_domain_does_no_io() -> None:
    for path in sorted((PACKAGE / "domain").glob("*.py")):
        for module in imports(path):
            root = module.split(".")[0]
            assert {module, root}.isdisjoint(IO_LIBRARIES), f"{path.name} imports {module}"
