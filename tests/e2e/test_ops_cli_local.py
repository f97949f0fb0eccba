"""`socialscore` as an operator types it, in a process of its own: `--local URL` where no serve
answers, or not on loopback; `--help`; a reader gone. Its reads against a running serve are in
test_serve_restart.py, on the serve that test gives the demo's whole stream."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.heavy_imports import run_listing_heavy


def socialscore(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialscore_ops", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_nothing_at_the_port_is_one_line() -> None:
    answer = socialscore("--local", "http://127.0.0.1:9", "leaderboard")
    assert answer.returncode == 2
    lines = answer.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("socialscore: nothing answers at http://127.0.0.1:9/_local/stack")
    assert lines[0].endswith("is `make serve` running?")


def test_a_local_address_elsewhere_is_refused() -> None:
    answer = socialscore("--local", "http://example.com:8787", "leaderboard")
    assert answer.returncode == 2
    assert answer.stderr == (
        "socialscore: --local takes serve's address, http://127.0.0.1:PORT, "
        "not http://example.com:8787\n"
    )


def test_help_imports_neither_boto3_nor_pydantic() -> None:
    """`socialscore --help` waits for no AWS SDK: each command imports its own needs."""
    answer, imported = run_listing_heavy(
        "socialscore_ops", ["--help"], heavy={"boto3", "botocore", "pydantic", "moto", "yaml"}
    )
    assert answer.returncode == 0, answer.stderr
    assert "profile" in answer.stdout
    assert "invoke" in answer.stdout
    assert answer.stderr == ""
    assert imported == []


def test_a_reader_gone_before_the_output_is_a_silent_exit() -> None:
    """`socialscore ... | head -1`: the pipe's reader has left; no traceback, status 141."""
    model = Path(__file__).resolve().parents[2] / "layers/common/socialscore/domain"
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        answer = subprocess.run(
            [
                sys.executable,
                "-m",
                "socialscore_ops",
                "model",
                "validate",
                str(model / "scoring_model.json"),
            ],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    assert (answer.returncode, answer.stderr) == (141, "")
