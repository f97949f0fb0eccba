"""socialscore model validate: a model file checked with no stack at all (what needs none must
not look for one), told by its version and half-life, or refused in one line naming every field
at fault. (Publishing, which writes the stack's parameter, is proven on moto: tests/ops.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.scoring_model import bundled
from tests.unit.cli_answers import socialscore


def model_file(directory: Path, name: str = "model.json", **changes: Any) -> Path:
    """The bundled model with these fields changed, as a file."""
    path = directory / name
    path.write_text(json.dumps(bundled().model_dump(mode="json") | changes, indent=2))
    return path


def test_a_valid_model_is_told_by_its_version_and_half_life(tmp_path: Path) -> None:
    path = model_file(tmp_path, version="2026-12-fast", half_life_days=14)
    answer = socialscore("model", "validate", str(path))
    assert answer.code == 0, answer.err
    assert answer.out == f"{path}: valid, version 2026-12-fast, half-life 14 days\n"
    data = socialscore("model", "validate", str(path), "--json").json()
    assert (data["version"], data["half_life_days"]) == ("2026-12-fast", 14)


def test_an_invalid_model_is_one_line_naming_every_field_at_fault(tmp_path: Path) -> None:
    path = model_file(tmp_path, half_life_days=2, hot_lead_threshold=-1)
    answer = socialscore("model", "validate", str(path))
    assert answer.code == 2
    assert answer.out == ""
    assert answer.err.count("\n") == 1
    assert answer.err.startswith(f"socialscore: {path}: invalid scoring model: ")
    assert "half_life_days" in answer.err
    assert "hot_lead_threshold" in answer.err


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "cannot read"), (b"\xff\xfe{", "is not UTF-8 text"), (b"{not json", "Invalid JSON")],
)
def test_a_file_that_is_no_model_is_one_line(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "model.json"
    if content is not None:
        path.write_bytes(content)
    answer = socialscore("model", "validate", str(path))
    assert answer.code == 2
    assert answer.err.count("\n") == 1
    assert reason in answer.err
