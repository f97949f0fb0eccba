"""`serve` keeps what it accepted: killed with SIGKILL mid-stream (and its journal's last line
torn, as a kill mid-write leaves it), restarted on the same work directory, it ends with the
scores of a run that was never interrupted, and still takes the secret it printed first."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.e2e.serve_process import DELIVERIES, demo_files, serve

KILLED_AFTER = len(DELIVERIES) // 2


def test_serve_killed_mid_stream_ends_with_the_scores_of_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    with serve(tmp_path / "whole", tmp_path / "whole.log", *demo_files(tmp_path)) as whole:
        whole.send(DELIVERIES)
        expected = whole.scores()
    assert expected  # the stream scores someone: equal scores mean something

    workdir = tmp_path / "killed"
    with serve(workdir, tmp_path / "first.log", *demo_files(tmp_path)) as first:
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
