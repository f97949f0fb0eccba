"""`serve` keeps what it accepted: killed with SIGKILL mid-stream (and its journal's last line
torn, as a kill mid-write leaves it), restarted on the same work directory, it ends with the
scores of a run that was never interrupted, and still takes the secret it printed first."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from socialscore_local import demo, server, webhooks

DELIVERIES = [
    d["body"]
    for d in json.loads((demo.DEMO_DIR / "webhooks.json").read_text())
    if d["expect"] == 202
]
KILLED_AFTER = len(DELIVERIES) // 2
SECONDS = 120.0  # generous: a loaded 2-core machine starts moto and drains slowly
SENDER_ATTEMPTS = 20


class Serve:
    def __init__(self, process: subprocess.Popen[bytes], url: str, secret: str) -> None:
        self.process = process
        self.url = url
        self.secret = secret

    def send(self, payloads: list[dict[str, Any]]) -> None:
        for payload in payloads:
            for _ in range(SENDER_ATTEMPTS):  # a 5xx is retried, as an SMMS does
                status, _answer = webhooks.post(f"{self.url}/webhooks/smms", self.secret, payload)
                if status < 500:
                    break
            assert status == 202, status

    def scores(self) -> dict[str, Any]:
        """The profiles' scores once every queue is empty and they hold still."""
        deadline = time.monotonic() + SECONDS
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            with urllib.request.urlopen(self.url + server.LOCAL_SCORES, timeout=30) as answer:
                now: dict[str, Any] = json.loads(answer.read())
            if now["queued"] == 0 and now == last:
                profiles: dict[str, Any] = now["profiles"]
                return profiles
            last = now
            time.sleep(0.5)
        raise AssertionError(f"not drained in {SECONDS} s: {last and last['queued']} queued")


@contextmanager
def serve(workdir: Path, log: Path) -> Iterator[Serve]:
    """`python -m socialscore_local serve --port 0` as an operator runs it; its output (with
    the functions' logs) goes to a file, which is read for the URL and the secret it prints."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "socialscore_local",
                "serve",
                "--port",
                "0",
                "--workdir",
                workdir,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + SECONDS
        while True:
            text = log.read_bytes().decode(errors="replace")
            found = re.search(r"POST (\S+)/webhooks/smms +signed with SMMS secret (\S+)", text)
            if found and "Ctrl-C to stop" in text[found.end() :]:
                break
            assert process.poll() is None, text[-2000:]
            assert time.monotonic() < deadline, f"serve did not start: {text[-2000:]}"
            time.sleep(0.2)
        yield Serve(process, found.group(1), found.group(2))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_killed_mid_stream_ends_with_the_scores_of_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    with serve(tmp_path / "whole", tmp_path / "whole.log") as whole:
        whole.send(DELIVERIES)
        expected = whole.scores()
    assert expected  # the stream scores someone: equal scores mean something

    workdir = tmp_path / "killed"
    with serve(workdir, tmp_path / "first.log") as first:
        first.send(DELIVERIES[:KILLED_AFTER])
        first.process.send_signal(signal.SIGKILL)  # answered 202s, likely not all drained
        first.process.wait(timeout=30)
    journal = workdir / "journal.jsonl"
    kept = journal.read_bytes()
    assert kept.endswith(b"\n")
    assert kept.count(b"\n") >= KILLED_AFTER  # a line at least for each 202
    with journal.open("ab") as torn:
        torn.write(b'{"queue":"RehydrateQueue","entries":[{"Id":"0","MessageB')

    with serve(workdir, tmp_path / "second.log") as second:
        assert second.secret == first.secret  # senders keep the secret they were given
        assert journal.read_bytes() == kept  # the torn line cut off, the rest whole
        second.send(DELIVERIES[KILLED_AFTER:])
        assert second.scores() == expected
