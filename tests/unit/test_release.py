"""The release the code reports: one version, printed by the CLI, with its CHANGELOG entry."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from socialscore import __version__
from socialscore_ops.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_socialscore_version_prints_the_release(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])

    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"socialscore {__version__}\n"


def test_the_package_is_built_with_the_version_the_code_reports() -> None:
    """pyproject.toml reads socialscore.__version__: the version is written in one place."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "socialscore.__version__"}


def test_the_release_has_its_changelog_entry() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## (\S+)", changelog, flags=re.MULTILINE)

    assert headings[0] == __version__  # the newest first
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
