"""Finding the stack: by name through CloudFormation, and one clear line when it is not there.
(No region or no credentials at all: tests/unit/test_cli_without_aws.py.)"""

from __future__ import annotations

from tests.ops.conftest import DeployedStack


def test_the_stack_is_found_by_its_name(fresh_stack: DeployedStack) -> None:
    answer = fresh_stack.socialscore("outputs", "--json")
    assert answer.code == 0, answer.err
    assert answer.json()["ScoresTableName"] == fresh_stack.rt.table("ScoresTable")


def test_an_unknown_stack_is_one_line(fresh_stack: DeployedStack) -> None:
    fresh_stack.name = "no-such-stack"
    answer = fresh_stack.socialscore("outputs")
    assert answer.code == 2
    assert answer.err == "socialscore: no stack no-such-stack in us-east-1\n"
