"""`socialscore --local URL` against a running serve, as an operator runs both: the CLI in one
process, serve in another, the CLI's every AWS call answered by serve's moto. The first command
is a `python -m socialscore_ops` of its own; the reads after it run the CLI in this process
(serve_process.py), the same answers for a tenth of the CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serve_process import DELIVERIES, demo_files, serve

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py

EVENTS = Path(__file__).resolve().parents[2] / "events"


def socialscore(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialscore_ops", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def outbox(workdir: Path) -> list[dict[str, Any]]:
    path = workdir / "crm" / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_cli_reads_a_running_serve_and_runs_its_crm_sync(tmp_path: Path) -> None:
    workdir = tmp_path / "serve"
    with serve(workdir, tmp_path / "serve.log", *demo_files(tmp_path)) as running:
        running.send(DELIVERIES)
        running.scores()  # drained

        synced = socialscore("--local", running.url, "sync", "--json")  # the command line's own
        assert synced.returncode == 0, synced.stderr
        report = json.loads(synced.stdout)
        assert report["pushed_scores"] > 0
        assert report["failed"] == 0

        # As a scheduled run at that slot, told in sentences.
        at = running.socialscore("sync", "--as-of", "2026-11-21")
        assert at.code == 0, at.err
        assert at.out.startswith("crm_sync ran as of 2026-11-21T00:00:00Z: done (")
        assert "  refused        0 records" in at.out.splitlines()

        # Any function with a sample, as `sam local invoke` would, without docker: the webhook
        # sample is signed again now with serve's secret, so it is not stale.
        runs: list[tuple[str, str, dict[str, Any]]] = [
            ("ingest", "ingest_smms.json", {"statusCode": 202}),
            ("ScoreFunction", "score_sqs.json", {"batchItemFailures": []}),
        ]
        for function, sample, answered in runs:
            ran = running.read("invoke", function, "-e", str(EVENTS / sample))
            assert answered.items() <= ran.items()

        # Locally the API is serve itself, not an execute-api host.
        where = running.read("outputs")
        assert where["ApiUrl"] == running.url
        assert where["EngageUrl"] == running.url + "/engage"

        board = running.read("leaderboard")
        # seller -> currency -> amount: amounts in two currencies are never added
        value: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        influences = [r for r in outbox(workdir) if r["type"] == "opportunity_influence"]
        assert influences
        for record in influences:
            for seller, amount in record["by_seller"].items():
                value[seller][record["currency"]] += Decimal(amount)
        shown = {
            r["seller_id"]: {c: Decimal(a) for c, a in r["attributed"].items()}
            for r in board["sellers"]
        }
        expected = {s: {c: a for c, a in sorted(m.items()) if a} for s, m in value.items()}
        assert {s: m for s, m in shown.items() if m} == {s: m for s, m in expected.items() if m}
        both = sorted(s for s, m in shown.items() if set(m) == {"EUR", "USD"})
        assert both, "the demo credits a seller in both currencies"

        table = running.socialscore("leaderboard")
        assert table.code == 0, table.err
        assert table.out.splitlines()[1].split() == [
            "seller", "team", "points", "touches", "paid", "points", "attributed"
        ]  # fmt: skip
        line = next(row for row in table.out.splitlines() if row.split()[:1] == both[:1])
        money = " · ".join(f"{a:,.2f} {c}" for c, a in sorted(shown[both[0]].items()))
        assert line.endswith(money)  # each currency apart, on the seller's one line

        bearer = {"authorization": f"Bearer {running.token}"}  # serve's token, as the CLI sends it
        report = urllib.request.Request(running.url + "/report", headers=bearer)
        with urllib.request.urlopen(report, timeout=60) as page:
            assert page.status == 200
            assert page.headers["content-type"].startswith("text/html")
            served = page.read()

        # The report function run now, and the presigned link opened as a browser opens it.
        linked = running.read("report", "--link", "--refresh")
        with urllib.request.urlopen(linked["url"], timeout=60) as page:
            assert page.status == 200
            stored = page.read()
        assert stored.startswith(b"<!doctype html>")
        assert len(stored) == pytest.approx(len(served), rel=0.05)  # the same page, a moment on

        # The engage-now queue, as the JSON endpoint and the CLI give it for the same moment.
        as_of = "2026-11-20T12:00:00+00:00"  # the demo stream's acts are older than 48 h now
        entries = running.read("engage", "--as-of", as_of)["entries"]
        assert entries
        assert all(e["permalink"].startswith("https://x.com/i/web/status/") for e in entries)
        with urllib.request.urlopen(running.url + "/engage?limit=5", timeout=60) as answer:
            assert answer.status == 200
            now = json.loads(answer.read())
        assert now["entries"] == []  # served unsigned on 127.0.0.1; nothing that recent
        assert now["waiting"] == 0

        # A contact the CRM was given a score for, read back; the DLQs, empty after the demo.
        contact = next(r for r in outbox(workdir) if r["type"] == "contact_score")["contact_id"]
        assert running.read("profile", contact)["contact_id"] == contact
        dlq = running.read("dlq")

        # A new seller registered from a file, in serve's sellers table.
        sellers = tmp_path / "sellers.csv"
        sellers.write_text("network,network_user_id,seller_id,team\r\nx,4242,s-new,smb\r\n")
        imported = running.socialscore("sellers", "import", str(sellers))
        assert imported.code == 0, imported.err
        assert imported.out.strip() == "sellers.csv: 1 row read, 1 seller written"
        assert [s["depth"] for s in dlq["stages"]] == [0, 0, 0]


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
    code = (
        "import sys\n"
        "from socialscore_ops import cli\n"
        "try:\n"
        "    cli.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'boto3', 'botocore', 'pydantic', 'moto', 'yaml'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy), file=sys.stderr)\n"
    )
    answer = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert answer.returncode == 0, answer.stderr
    assert "profile" in answer.stdout
    assert "invoke" in answer.stdout
    assert answer.stderr == "[]\n"


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
