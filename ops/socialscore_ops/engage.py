"""engage: the engage-now queue, the acts worth answering now, ranked as the model says."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from socialscore.domain.engage import queue_json
from socialscore.pipeline.engage import MAX_LIMIT
from socialscore.report.engage import why_text
from socialscore.wiring.reads import engage_reader
from socialscore_ops.commands import Result, as_of_option, command
from socialscore_ops.output import table
from socialscore_ops.stack import OpsError, Stack
from socialscore_ops.views import live_model


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    parser = command(
        verbs,
        shared,
        "engage",
        engage,
        "the engage-now queue: replies, quotes and mentions worth answering, best first, and why",
    )
    parser.add_argument(
        "--top", type=int, default=10, help=f"how many acts (1 to {MAX_LIMIT}, default 10)"
    )
    as_of_option(parser)


def engage(stack: Stack | None, args: argparse.Namespace) -> Result:
    if stack is None:
        raise OpsError("no stack")
    if not 1 <= args.top <= MAX_LIMIT:
        raise OpsError(f"--top takes 1 to {MAX_LIMIT}")
    at = (args.as_of or datetime.now(UTC)).astimezone(UTC)
    model = live_model(stack)
    queue = engage_reader(stack.table).queue(model, at, args.top)
    data = queue_json(queue, model, at)
    rules = model.engage
    head = (
        f"engage now: top {len(queue.entries)} of {queue.waiting} unanswered replies, quotes "
        f"and mentions of the last {rules.expire_hours:g} h (as of {at:%Y-%m-%d %H:%M} UTC)"
    )
    rows = [
        (
            e["rank"],
            e["kind"],
            e["permalink"],
            e["contact_id"] or e["profile"],
            e["seller_id"] or "-",
            why_text(e["why"]),
            ", ".join(e["buckets"]) or "-",
        )
        for e in data["entries"]
    ]
    text = head + "\n" + table(["rank", "kind", "act", "who", "answer", "why", "buckets"], rows)
    return Result(data, text)
