"""A backfill loaded into an in-process local runtime, as `socialscore backfill` loads one into
a stack: the same reading, packs and queues; the pace is the runtime's own, each pack drained
through every stage before the next is sent (as the benchmark and tests deliver webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from socialscore.aws.config import scoring_model
from socialscore.aws.sqs import SqsQueue
from socialscore_local.runtime import LocalRuntime
from socialscore_ops.backfill_file import Reading, model_words, read_file
from socialscore_ops.backfill_load import Cursor, Loader, Summary


@dataclass
class Drained:
    """The runtime's pace: every queue drained before the next pack."""

    rt: LocalRuntime

    def ready(self) -> None:
        self.rt.drain()


def load(rt: LocalRuntime, path: Path, *, resume: bool = True) -> tuple[Reading, Summary]:
    """Read the file, and unless a line is refused, queue it and drain the runtime; `resume`
    keeps a cursor beside the file as the command does."""
    parameter = rt.function_environment("RehydrateFunction").get("SCORING_MODEL_PARAMETER")
    reading = read_file(path, model_words(scoring_model(parameter)))
    if reading.refused:
        return reading, Summary(messages=len(reading.messages))
    loader = Loader(
        interactions=SqsQueue(rt.queue_url("RehydrateQueue")),
        retractions=SqsQueue(rt.queue_url("ScoreQueue")),
        pace=Drained(rt),
        correlation="backfill-local",
        cursor=Cursor.beside(path, reading.digest) if resume else None,
    )
    summary = loader.load([m for _, m in reading.messages])
    rt.drain()
    return reading, summary
