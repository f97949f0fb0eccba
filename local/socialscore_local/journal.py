"""serve's journal: what the API accepted, kept in the work directory and replayed on start.

A webhook's effect is the messages ingest queued for it, and those are journaled, not the
request: a replayed request would fail its signature's timestamp check. One JSON line per
SendMessageBatch call of a function with HTTP routes, written and fsynced inside that call, so
a 2xx answer means its messages are on disk. On start every line is sent to its queue again and
the pollers take it from there: every stage downstream is idempotent (the ledger dedupes), so
replaying all of them rebuilds the same scores. The SMMS secret is kept next to it, so that
senders keep signing with the one they were given.

What the ops CLI's imports send through serve's AWS emulator is journaled the same way, once the
emulator took it: `identities import`'s identify messages (a line for the ResolveQueue, replayed
like the others: a link applies whenever it arrives) and `sellers import`'s writes (a line for
the SellersTable). A seller registered later earns nothing for the touches resolved before, so a
table line is replayed in its place: after everything before it is drained.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from socialscore_local.access import write_private

if TYPE_CHECKING:  # serve checks its work directory's journal before it imports the emulator
    from socialscore_local.runtime import LocalRuntime

JOURNAL = "journal.jsonl"
SECRET_FILE = "smms-secret"  # noqa: S105 - the file's name, not a secret
# What the ops CLI writes through the emulator that serve keeps: the queue and the table its
# imports write (identify messages are the pipeline's own input; a seller is a registry entry).
EMULATED_QUEUES = frozenset({"ResolveQueue"})
EMULATED_TABLES = frozenset({"SellersTable"})
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
        """Queue every journaled message again, and write every table line in its place;
        returns how many lines were replayed."""
        replayed = 0
        for number, line in enumerate(self._lines(), 1):
            try:
                record = json.loads(line)
                if "table" in record:
                    self._write(record["table"], list(record["requests"]), number)
                else:
                    self._queue(record["queue"], list(record["entries"]), number)
            except (ValueError, KeyError, TypeError):
                log.warning("%s line %d is unreadable: skipped", self.path, number)
                continue
            replayed += 1
        return replayed

    def _queue(self, queue: str, entries: list[dict[str, Any]], number: int) -> None:
        url = self.runtime.queue_url(queue)
        reply = self.runtime.client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
        if reply.get("Failed"):  # SQS took these once: losing them silently would be worse
            raise RuntimeError(f"{self.path} line {number}: {reply['Failed']}")

    def _write(self, table: str, requests: list[dict[str, Any]], number: int) -> None:
        if table not in EMULATED_TABLES:
            raise KeyError(table)
        self.runtime.drain()  # what was accepted before the write is resolved without it
        reply = self.runtime.client("dynamodb").batch_write_item(
            RequestItems={self.runtime.table(table): requests}
        )
        if reply.get("UnprocessedItems"):
            raise RuntimeError(f"{self.path} line {number}: not written")

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
        import boto3

        from socialscore.aws import clients

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
        self._sent(self._queues[url], entries, parsed)

    def _sent(self, queue: str, entries: list[dict[str, Any]], answer: dict[str, Any]) -> None:
        taken = {s["Id"] for s in answer.get("Successful", [])}  # a refused entry is retried
        kept = [e for e in entries if e["Id"] in taken]
        if kept:
            self._line({"queue": queue, "entries": kept})

    def emulated(self, target: str, request: bytes, answer: bytes) -> None:
        """Journal what the emulator took of a call the ops CLI's imports make (JSON protocol:
        the same shapes as boto3's parameters), if it is for the queue or table kept."""
        sent, taken = json.loads(request), json.loads(answer)
        if target == "AmazonSQS.SendMessageBatch":
            name = str(sent["QueueUrl"]).rsplit("/", 1)[-1]
            queue = next((q for u, q in self._queues.items() if u.endswith("/" + name)), None)
            if queue in EMULATED_QUEUES:
                self._sent(queue, list(sent["Entries"]), taken)
            return
        for logical in EMULATED_TABLES:
            requests = sent["RequestItems"].get(self.runtime.table(logical), [])
            left = taken.get("UnprocessedItems", {}).get(self.runtime.table(logical), [])
            written = [r for r in requests if r not in left]
            if written:
                self._line({"table": logical, "requests": written})

    def _line(self, record: dict[str, Any]) -> None:
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
    write_private(path, secret)
    return secret
