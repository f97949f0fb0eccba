"""Finding the stack: by name through CloudFormation, and one clear line when it is not there."""

from __future__ import annotations

import os
import subprocess
import sys

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


def socialscore_without_aws(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI on a machine with no AWS configuration at all (and no instance metadata)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean |= {
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", "socialscore_ops", *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
        check=False,
    )


def test_no_region_or_no_credentials_is_one_line() -> None:
    answer = socialscore_without_aws("leaderboard", "--stack", "prod")
    assert (answer.returncode, answer.stderr) == (
        2,
        "socialscore: no AWS region: pass --region or set AWS_REGION\n",
    )
    answer = socialscore_without_aws("leaderboard", "--stack", "prod", "--region", "eu-west-1")
    assert (answer.returncode, answer.stderr) == (
        2,
        "socialscore: no AWS credentials: set AWS_PROFILE or run `aws configure`\n",
    )
