"""What stops serve before it starts: one line on stderr, exit status 1, no traceback, and
nothing started (each answer comes before the emulated stack is built)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from tests.e2e.heavy_imports import run_listing_heavy


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialscore_local", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(serve("--port", str(port), "--workdir", str(tmp_path / "w")))
    assert line == (
        f"serve: cannot listen on 127.0.0.1:{port} (Address already in use): is another serve "
        "running? Stop it, or pass another --port"
    )
    assert not (tmp_path / "w").exists()


def test_a_posts_file_it_cannot_read_is_one_line_without_its_values(tmp_path: Path) -> None:
    posts = tmp_path / "posts.json"
    post = {"network": "myspace", "post_id": "1", "author_id": "secret-handle"}
    posts.write_text(json.dumps([post]))
    line = one_line(serve("--port", "0", "--workdir", str(tmp_path / "w"), "--posts", str(posts)))
    assert line == (
        f"serve: --posts {posts}: 1 error, the first at network: Input should be 'x', "
        "'facebook', 'instagram', 'linkedin', 'youtube' or 'tiktok'"
    )
    assert "secret-handle" not in line


def test_an_opportunities_file_that_is_not_json_is_one_line(tmp_path: Path) -> None:
    opportunities = tmp_path / "opportunities.json"
    opportunities.write_text("id,amount\n006A,100\n")
    line = one_line(
        serve("--port", "0", "--workdir", str(tmp_path), "--opportunities", str(opportunities))
    )
    assert line.startswith(f"serve: --opportunities {opportunities}: 1 error, the first at ")
    missing = one_line(
        serve("--port", "0", "--workdir", str(tmp_path), "--opportunities", "nowhere.json")
    )
    assert missing == "serve: --opportunities nowhere.json: no file nowhere.json"


def test_the_demo_loads_into_an_empty_work_directory_only(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_text('{"queue":"RehydrateQueue","entries":[]}\n')
    line = one_line(serve("--port", "0", "--workdir", str(tmp_path), "--demo"))
    assert line.startswith(f"serve: {tmp_path} already holds what an earlier serve accepted")


def test_a_refusal_comes_before_the_emulator_is_imported(tmp_path: Path) -> None:
    """A refused start is said at once: neither moto nor the AWS SDK is imported for it
    (Powertools, which the file checks import, imports botocore's tiny package, not its SDK)."""
    answer, imported = run_listing_heavy(
        "socialscore_local",
        ["serve", "--port", "0", "--workdir", str(tmp_path), "--opportunities", "nowhere.json"],
        heavy={"moto", "boto3", "botocore.session", "botocore.client"},
    )
    assert answer.returncode == 1, answer.stderr
    assert answer.stderr == "serve: --opportunities nowhere.json: no file nowhere.json\n"
    assert answer.stdout == ""
    assert imported == []
