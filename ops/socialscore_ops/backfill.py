"""backfill: a customer's past interactions loaded on day one, through the webhooks' pipeline.

The whole file is read and validated first (backfill_file): a file with a bad line sends
nothing unless --skip-bad, and every bad line is named by its number and reason, never its
value. Then its events are queued as ingest queues a webhook's (backfill_load), paced to the
stack by the rehydrate queue's depth (the stages drain it at their speed: on AWS its Lambda,
under `serve` the local runtime's pollers), with a cursor beside the file to resume after an
interruption. Everything after the queues is the live pipeline's: the same ids, the same rules.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from functools import cache
from pathlib import Path

from socialscore.aws import clients
from socialscore.aws.sqs import SqsQueue
from socialscore.domain.interaction import OwnWords
from socialscore_ops.backfill_file import SHOWN, Reading, Words, model_words, read_file
from socialscore_ops.backfill_load import Cursor, DepthPace, Loader, LoadStopped, Summary
from socialscore_ops.commands import Result, command
from socialscore_ops.output import Progress, table
from socialscore_ops.queues import queue_depth
from socialscore_ops.stack import OpsError, Stack

# SQS messages waiting in the rehydrate queue (each a pack of up to 100 events) before the next
# pack waits: the stage takes 10 a batch, up to QueueMaximumConcurrency (default 10) batches at
# once, so 100 is one round of its work, and live webhooks queued meanwhile wait about one more.
MAX_QUEUED = 100


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    parser = command(verbs, shared, "backfill", run)
    what = "SMMS events: JSON lines, or CSV if it ends in .csv"
    parser.add_argument("file", type=Path, metavar="FILE", help=what)
    parser.add_argument(
        "--skip-bad",
        action="store_true",
        help="load the valid lines of a file with bad ones (default: a bad line sends nothing)",
    )
    parser.add_argument(
        "--max-queued",
        type=int,
        default=MAX_QUEUED,
        metavar="N",
        help=f"wait while the rehydrate queue holds N messages or more (default {MAX_QUEUED:,})",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="send the whole file again, ignoring what an earlier run queued",
    )


def run(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    path: Path = args.file
    if not path.is_file():
        raise OpsError(f"no file {path}")
    if args.max_queued < 1:
        raise OpsError("--max-queued takes a number of messages, 1 or more")
    reading = read_file(path, _words_of(stack))
    if not reading.lines:
        raise OpsError(f"{path} holds no event")
    if reading.refused and not args.skip_bad:
        return _refused(path, reading)
    sqs = clients.client("sqs")
    rehydrate = stack.queue_url("RehydrateQueue")
    pace = DepthPace(lambda: queue_depth(sqs, rehydrate), args.max_queued)
    progress = Progress("backfill", len(reading.messages), sys.stderr)
    loader = Loader(
        interactions=SqsQueue(rehydrate),
        retractions=SqsQueue(stack.queue_url("ScoreQueue")),
        pace=pace,
        correlation=f"backfill-{uuid.uuid4()}",
        cursor=Cursor.beside(path, reading.digest),
        progress=progress.advance,
    )
    try:
        summary = loader.load([m for _, m in reading.messages], again=args.again)
    except LoadStopped as err:
        progress.close()
        raise OpsError(
            f"{err}: run the same command again to resume after pack {err.pack - 1}"
        ) from None
    progress.close()
    summary.refused.update(reading.refused_by_reason())
    return _summary(path, summary, loader.correlation, pace.waited)


def _words_of(stack: Stack) -> Words:
    """Matches an act's text with the live model, read from the stack once, when first needed."""

    @cache
    def words() -> Words:
        from socialscore_ops.views import live_model

        return model_words(live_model(stack))

    def matched(text: str) -> OwnWords:
        return words()(text)

    return matched


def _refused(path: Path, reading: Reading) -> Result:
    shown = reading.refused[:SHOWN]
    rows: list[list[object]] = [[r.line, r.reason] for r in shown]
    more = len(reading.refused) - len(shown)
    lines = [
        f"{path}: {len(reading.refused):,} of {reading.lines:,} lines refused; nothing sent.",
        table(["line", "why"], rows),
    ]
    if more:
        lines.append(f"... and {more:,} more:")
        counts = reading.refused_by_reason().most_common()
        lines.append(table(["why", "lines"], [[reason, n] for reason, n in counts]))
    lines.append("Fix them and run again, or pass --skip-bad to load the valid lines.")
    data = {
        "sent": 0,
        "lines": reading.lines,
        "refused": [{"line": r.line, "reason": r.reason} for r in reading.refused],
    }
    return Result(data, "\n".join(lines), status=1)


def _summary(path: Path, summary: Summary, correlation: str, waited: float) -> Result:
    data = {
        "file": str(path),
        "events": summary.messages,
        "accepted": summary.accepted,
        "duplicates": summary.duplicates,
        "already_queued": summary.already_queued,
        "refused": dict(summary.refused.most_common()),
        "packs": summary.packs,
        "waited_seconds": round(waited, 1),
        "correlation_id": correlation,
    }
    rows: list[list[object]] = [
        ["accepted (queued now)", summary.accepted],
        ["duplicates (queued once)", summary.duplicates],
        ["queued by an earlier run", summary.already_queued],
        *[[f"refused: {reason}", n] for reason, n in summary.refused.most_common()],
    ]
    text = [
        f"{path}: {summary.messages:,} events in {summary.packs:,} packs.",
        table(["", "events"], rows),
        f"The stages score them as they score webhooks; their log lines carry {correlation}.",
    ]
    if waited:
        text.insert(2, f"Waited {waited:,.0f} s for the rehydrate queue to drain.")
    return Result(data, "\n".join(text))
