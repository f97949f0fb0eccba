"""serve's journal: what the API accepted, kept in the work directory and replayed on start.

A webhook's effect is the messages ingest queued for it, and those are journaled, not the
request: a replayed request would fail its signature's timestamp check. One JSON line per
SendMessageBatch call of a function with HTTP routes, written and fsynced inside that call, so
a 2xx answer means its messages are on disk. On start every line is sent to its queue again and
the pollers take it from there: every stage downstream is idempotent (the ledger dedupes), so
replaying all of them rebuilds the same scores. The SMMS secret is kept next to it, so that
senders keep signing with the one they were given.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import IO, Any

import boto3

from socialscore.aws import clients
from socialscore_local.runtime import LocalRuntime

JOURNAL = "journal.jsonl"
SECRET_FILE = "smms-secret"  # noqa: S105 - the file's name, not a secret
_SENT = "socialscore_local.journal"  # where a call's entries wait, in botocore's call context
log = logging.getLogger("socialscore_local")


class Journal:
    def __init__(self, runtime: LocalRuntime, workdir: Path) -> None:
        self.runtime = runtime
        self.path = workdir / JOURNAL
        self._queues = {
            runtime.queue_url(q): q for q in runtime.template.of_type("AWS::SQS::Queue")
        }
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None

    def replay(self) -> int:
        """Queue every journaled message again; returns how many lines were replayed."""
        sqs = self.runtime.client("sqs")
        replayed = 0
        for number, line in enumerate(self._lines(), 1):
            try:
                record = json.loads(line)
                url = self.runtime.queue_url(record["queue"])
                entries = list(record["entries"])
            except (ValueError, KeyError, TypeError):
                log.warning("%s line %d is unreadable: skipped", self.path, number)
                continue
            reply = sqs.send_message_batch(QueueUrl=url, Entries=entries)
            if reply.get("Failed"):  # SQS took these once: losing them silently would be worse
                raise RuntimeError(f"{self.path} line {number}: {reply['Failed']}")
            replayed += 1
        return replayed

    def _lines(self) -> list[bytes]:
        """The complete lines. A kill mid-write leaves a torn last line, whose request got no
        answer (its sender sends it again): it is cut off, so the next line starts clean."""
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) < len(data):
            log.warning(
                "%s: cut a torn last line of %d bytes", self.path, len(data) - len(complete)
            )
            os.truncate(self.path, len(complete))
        return [line for line in complete.splitlines() if line.strip()]

    def record(self) -> None:
        """From now on, journal what the API's functions queue."""
        self._file = self.path.open("ab")
        assert boto3.DEFAULT_SESSION is not None
        events = boto3.DEFAULT_SESSION.events
        events.register(
            "before-parameter-build.sqs.SendMessageBatch",
            self._remember,
            unique_id="ss-journal-sent",
        )
        events.register("after-call.sqs.SendMessageBatch", self._append, unique_id="ss-journal")
        clients.reset()  # a client copies the session's hooks when made: make them anew

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        current = self.runtime.current
        if current is not None and self.runtime.functions[current].http_routes:
            context[_SENT] = (params["QueueUrl"], list(params["Entries"]))

    def _append(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        sent = context.pop(_SENT, None)
        if sent is None:
            return
        url, entries = sent
        taken = {s["Id"] for s in parsed.get("Successful", [])}  # a refused entry is retried
        kept = [e for e in entries if e["Id"] in taken]
        if not kept:
            return
        record = {"queue": self._queues[url], "entries": kept}
        line = json.dumps(record, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            if self._file is None:  # closed: serve is stopping, and this request gets a 5xx
                raise RuntimeError("the journal is closed")
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())


def kept_secret(workdir: Path, given: str | None, new: str) -> str:
    """The SMMS secret: the one given, else the one kept from an earlier start, else `new`;
    kept (owner-only) for the next start."""
    path = workdir / SECRET_FILE
    secret = given or (path.read_text().strip() if path.exists() else "") or new
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret
