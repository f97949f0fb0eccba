"""A validated backfill sent as webhooks would send it: packs of 100 messages, in the file's
order, each queued by ingest's own code (the same message ids, interactions and identity links to
rehydrate, retractions and erasures to score), paced to the stack, resumable.

A pack is sent only once the stack has room (`Pace`): on AWS and under `serve`, the rehydrate
queue's depth under a bound; in a benchmark, the local runtime drained. After each pack a cursor
file beside the input records how many packs are queued, for this file's bytes only: a run
stopped half-way resumes after the last pack queued, and a finished one is not sent again.
Identical messages (the same event twice in the file) are queued once and counted as duplicates;
an act sent twice anyway (a re-run) is acknowledged downstream by its deterministic id.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from socialscore.pipeline.ingest import distinct_messages
from socialscore.pipeline.ports import MessageQueue
from socialscore.sources.base import Message

PACK = 100  # messages per pack, as a webhook of 100 events
SEND_TRIES = 5  # a pack's messages SQS refused are sent again this often, backing off
CURSOR_SUFFIX = ".backfill.json"


class Pace(Protocol):
    def ready(self) -> None:
        """Return once the stack can take another pack."""
        ...


@dataclass
class DepthPace:
    """Waits while the queue the packs go to holds `bound` messages or more (its
    ApproximateNumberOfMessages): the stages drain it at their own speed. The count is the
    messages available for retrieval, approximate, and may lag about a minute behind the sends
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html):
    the bound is a pace, not a limit to the message."""

    depth: Callable[[], int]
    bound: int
    sleep: Callable[[float], None] = time.sleep
    seconds: float = 1.0
    waited: float = 0.0  # seconds spent waiting, for the summary

    def ready(self) -> None:
        while self.depth() >= self.bound:
            self.sleep(self.seconds)
            self.waited += self.seconds


class LoadStopped(Exception):
    """SQS kept refusing a pack: the cursor stays after the last pack queued."""

    def __init__(self, pack: int, unsent: int) -> None:
        super().__init__(f"SQS refused {unsent} message(s) of pack {pack} after {SEND_TRIES} tries")
        self.pack = pack


@dataclass
class Cursor:
    """How many packs of this file (by its sha256) are queued, in a JSON file beside it."""

    path: Path
    digest: str

    @classmethod
    def beside(cls, source: Path, digest: str) -> Cursor:
        return cls(source.with_name(source.name + CURSOR_SUFFIX), digest)

    def sent(self) -> tuple[int, bool]:
        """(packs queued, finished) by an earlier run of this file; (0, False) for another file
        or none."""
        try:
            saved = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return 0, False
        if not isinstance(saved, dict) or saved.get("file_sha256") != self.digest:
            return 0, False
        if saved.get("pack_size") != PACK:
            return 0, False
        return int(saved.get("packs_sent", 0)), bool(saved.get("finished"))

    def save(self, packs: int, finished: bool) -> None:
        record = {"file_sha256": self.digest, "pack_size": PACK, "packs_sent": packs}
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(record | {"finished": finished}))
        temporary.replace(self.path)  # never half a cursor


@dataclass
class Summary:
    messages: int = 0  # valid events in the file
    accepted: int = 0  # queued by this run
    duplicates: int = 0  # identical to an earlier event of the file: queued once
    already_queued: int = 0  # queued by an earlier run of this file (the cursor)
    packs: int = 0
    refused: Counter[str] = field(default_factory=Counter)


@dataclass
class Loader:
    interactions: MessageQueue  # to rehydrate
    retractions: MessageQueue  # to score
    pace: Pace
    correlation: str  # every message carries it, to follow the backfill through the logs
    cursor: Cursor | None = None
    progress: Callable[[int], None] = lambda done: None
    sleep: Callable[[float], None] = time.sleep

    def load(self, messages: Sequence[Message], again: bool = False) -> Summary:
        """Queue the messages; `again` ignores the cursor (the whole file is sent again)."""
        start, finished = (0, False) if again or self.cursor is None else self.cursor.sent()
        summary = Summary(messages=len(messages))
        seen: set[str] = set()
        packs = [messages[i : i + PACK] for i in range(0, len(messages), PACK)]
        summary.packs = len(packs)
        for number, pack in enumerate(packs):
            forward, back = distinct_messages(list(pack))
            forward = {k: v for k, v in forward.items() if k not in seen}
            back = {k: v for k, v in back.items() if k not in seen}
            seen.update(forward, back)
            fresh = len(forward) + len(back)
            summary.duplicates += len(pack) - fresh
            if finished or number < start:
                summary.already_queued += fresh
            else:
                self.pace.ready()
                self._send(number, forward, back)
                summary.accepted += fresh
                if self.cursor is not None:
                    self.cursor.save(number + 1, number + 1 == len(packs))
            self.progress(len(pack))
        if self.cursor is not None and not packs:
            self.cursor.save(0, True)
        return summary

    def _send(self, number: int, forward: dict[str, str], back: dict[str, str]) -> None:
        ids = dict.fromkeys([*forward, *back], self.correlation)
        for queue, bodies in ((self.interactions, forward), (self.retractions, back)):
            left = bodies
            for attempt in range(SEND_TRIES):
                if not left:
                    break
                if attempt:
                    self.sleep(min(2.0**attempt * 0.1, 5.0))
                unsent = set(queue.send(list(left.items()), _only(ids, left)))
                left = {k: v for k, v in left.items() if k in unsent}
            if left:
                raise LoadStopped(number + 1, len(left))


def _only(ids: Mapping[str, str], bodies: Mapping[str, str]) -> dict[str, str]:
    return {k: ids[k] for k in bodies}
