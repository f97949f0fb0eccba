"""socialscore model publish: a model file checked and written where the functions read it (the
stack's SSM parameter), or refused in one line. (validate, which needs no stack, is proven in
tests/unit/test_model_file.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops.conftest import DeployedStack, deployed
from tests.unit.cli_answers import socialscore
from tests.unit.test_model_file import model_file

PARAMETER = "socialscore/scoring-model"  # as the template takes it: no leading slash
PATH = "/socialscore/scoring-model"  # as SSM names it


@pytest.fixture
def with_parameter(tmp_path: Path) -> Iterator[DeployedStack]:
    """A stack deployed with ScoringModelParameter=socialscore/scoring-model, nothing in it."""
    with deployed(tmp_path / "stack", traffic=False, ScoringModelParameterName=PARAMETER) as st:
        yield st


def parameter(stack: DeployedStack) -> dict[str, Any] | None:
    ssm = stack.rt.client("ssm")
    try:
        found: dict[str, Any] = ssm.get_parameter(Name=PATH)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        return None
    return found


def test_publish_writes_the_parameter_and_says_a_new_half_life_needs_a_rebuild(
    with_parameter: DeployedStack, tmp_path: Path
) -> None:
    first = model_file(tmp_path, "first.json", version="2026-12-fast", half_life_days=14)
    answer = with_parameter.socialscore("model", "publish", str(first), "--json")
    assert answer.code == 0, answer.err
    stored = parameter(with_parameter)
    assert stored is not None
    assert stored["Value"] == first.read_text()
    assert stored["Type"] == "String"
    data = answer.json()
    # Nothing published before: compared with the bundled model, which the functions used.
    assert data["old_version"] is None
    assert (data["old_half_life_days"], data["new_half_life_days"]) == (30, 14)
    assert data["rebuild"] is True
    assert data["tier"] == "Standard"

    second = model_file(tmp_path, "second.json", version="2026-12-weights", half_life_days=14)
    answer = with_parameter.socialscore("model", "publish", str(second))
    assert answer.code == 0, answer.err
    assert "published 2026-12-weights to /socialscore/scoring-model (was 2026-12-fast" in answer.out
    assert "keep the model they read 5 minutes" in answer.out
    assert "half-life unchanged (14 days): nothing to rebuild" in answer.out
    assert "socialscore rebuild" not in answer.out
    stored = parameter(with_parameter)
    assert stored is not None
    assert json.loads(stored["Value"])["version"] == "2026-12-weights"


def test_a_new_half_life_says_rebuild_and_when(
    with_parameter: DeployedStack, tmp_path: Path
) -> None:
    path = model_file(tmp_path, version="2026-12-slow", half_life_days=90)
    answer = with_parameter.socialscore("model", "publish", str(path))
    assert answer.code == 0, answer.err
    assert "half-life 30 -> 90 days" in answer.out
    assert "run `socialscore rebuild`" in answer.out


def test_publish_refuses_what_it_cannot_publish_and_writes_nothing(
    with_parameter: DeployedStack, tmp_path: Path
) -> None:
    invalid = model_file(tmp_path, "invalid.json", half_life_days=1)
    answer = with_parameter.socialscore("model", "publish", str(invalid))
    assert (answer.code, answer.err.count("\n")) == (2, 1)
    assert "half_life_days" in answer.err

    # 200 keywords of 60 characters: valid, but past SSM's 8 KB even in the advanced tier.
    keywords = [f"{n:03d} " + "x" * 56 for n in range(200)]
    big = model_file(tmp_path, "big.json", intent={"keywords": keywords, "bonus": 10})
    assert socialscore("model", "validate", str(big)).code == 0
    answer = with_parameter.socialscore("model", "publish", str(big))
    assert answer.code == 2
    assert "at most 8 KB" in answer.err
    assert parameter(with_parameter) is None


def test_a_model_between_4_and_8_kb_goes_to_the_advanced_tier(
    with_parameter: DeployedStack, tmp_path: Path
) -> None:
    keywords = [f"{n:03d} " + "x" * 36 for n in range(100)]
    path = model_file(tmp_path, intent={"keywords": keywords, "bonus": 10})
    assert 4096 < path.stat().st_size <= 8192
    answer = with_parameter.socialscore("model", "publish", str(path), "--json")
    assert answer.code == 0, answer.err
    assert answer.json()["tier"] == "Advanced"
    assert parameter(with_parameter) is not None


def test_publish_is_refused_on_a_stack_that_uses_the_bundled_model(
    fresh_stack: DeployedStack, tmp_path: Path
) -> None:
    answer = fresh_stack.socialscore("model", "publish", str(model_file(tmp_path)))
    assert answer.code == 2
    assert answer.err.count("\n") == 1
    assert "deploy it once with ScoringModelParameter=NAME" in answer.err
