"""`serve` as an operator runs it, in a subprocess: its URL, secret and token read from what it
prints, webhooks sent as an SMMS sends them, scores read once it has drained. While it runs, its
token is exported as an operator exports it (SOCIALSCORE_LOCAL_TOKEN), for the CLI it runs.

`Serve.socialscore` runs the CLI against it in this process, as a new process would start it
(tests/unit/cli_answers.py): a `python -m socialscore_ops` costs 0.3-0.5 s of CPU, nearly all
imports, and each serve test runs several reads; one real subprocess a test keeps the command
line itself proven (and serve runs `socialscore ... import` as one at every start it imports at).
"""

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

import boto3

from socialscore.aws import clients
from socialscore_local import webhooks
from socialscore_local.ops_bridge import LOCAL_SCORES
from socialscore_local.paths import DEMO_DIR
from socialscore_local.seeding import demo_sellers_csv
from socialscore_ops.stack import TOKEN_VARIABLE
from tests.unit.cli_answers import Answer, socialscore

DELIVERIES = [
    d["body"] for d in json.loads((DEMO_DIR / "webhooks.json").read_text()) if d["expect"] == 202
]
SECONDS = 120.0  # generous: a loaded 2-core machine starts moto and drains slowly
SENDER_ATTEMPTS = 20


def demo_files(folder: Path) -> tuple[str, ...]:
    """serve's options for the demo's posts, opportunities and sellers, without its stream: for
    a test that sends the stream itself, dated as it is."""
    sellers = demo_sellers_csv(folder / "demo-sellers.csv")
    posts, opportunities = DEMO_DIR / "posts.json", DEMO_DIR / "opportunities.json"
    return ("--posts", str(posts), "--opportunities", str(opportunities), "--sellers", str(sellers))


class Serve:
    def __init__(self, process: subprocess.Popen[bytes], url: str, secret: str, token: str) -> None:
        self.process = process
        self.url = url
        self.secret = secret
        self.token = token

    def get(self, path: str) -> Any:
        """A JSON route of serve's own, with the token."""
        request = urllib.request.Request(
            self.url + path, headers={"authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def socialscore(self, *args: str) -> Answer:
        """`socialscore --local URL ARGS`, its token the one exported for this serve."""
        with _as_a_new_process():
            return socialscore("--local", self.url, *args)

    def read(self, *args: str) -> Any:
        """`socialscore --local URL ARGS --json`, which must succeed: what it printed."""
        answer = self.socialscore(*args, "--json")
        assert answer.code == 0, answer.err
        return answer.json()

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
            now: dict[str, Any] = self.get(LOCAL_SCORES)
            if now["queued"] == 0 and now == last:
                profiles: dict[str, Any] = now["profiles"]
                return profiles
            last = now
            time.sleep(0.5)
        raise AssertionError(f"not drained in {SECONDS} s: {last and last['queued']} queued")


@contextmanager
def _as_a_new_process() -> Iterator[None]:
    """What a new `socialscore` process starts from: this environment, and no AWS session or
    client yet (a session keeps the credentials it first read; --local makes the token its key
    id and serve's emulator every client's endpoint). All of it as it was, after."""
    environ, session = dict(os.environ), boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = None
    clients.reset()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        boto3.DEFAULT_SESSION = session
        clients.reset()


def _ctrl_c_stops() -> None:
    """In the child, before serve starts: a runner that ignores SIGINT (nohup, a shell's
    background job) hands the ignore down, Python then installs no KeyboardInterrupt, and serve
    would sit out each stop's 30 s below (90 s of test_serve_restart's 110 under `nohup make
    test &`). An operator's Ctrl-C is what the stop stands for."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def serve(workdir: Path, log: Path, *options: str) -> Iterator[Serve]:
    """`python -m socialscore_local serve --port 0 [options]` as an operator runs it; its
    output (with the functions' logs) goes to a file, which is read for the URL, the secret and
    the token it prints."""
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
                *options,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
            preexec_fn=_ctrl_c_stops,
        )
    exported = os.environ.get(TOKEN_VARIABLE)
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
        token = re.findall(r"token for this run: (\S+)", text)[-1]
        os.environ[TOKEN_VARIABLE] = token
        yield Serve(process, found.group(1), found.group(2), token)
    finally:
        if exported is None:
            os.environ.pop(TOKEN_VARIABLE, None)
        else:
            os.environ[TOKEN_VARIABLE] = exported
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
