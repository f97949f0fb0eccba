"""erase, dlq, redrive: what an operator puts on the stages' queues or takes out of their DLQs.

An erasure is queued exactly as ingest queues an SMMS erase event: to the score queue, which
needs no post facts. `dlq` tells why each DLQ's messages failed from the stage's own log: the
functions log a "to DLQ: <reason>" line (ERROR) naming the message (`<SQS message id>#<n>` for
the n-th message of a pack) on the delivery SQS moves it to the DLQ after, read with
FilterLogEvents and matched to the messages peeked at in the DLQ. (0.2.0 logged "poison
message", "failed" or "refused by the store" lines instead: still read, for a DLQ's messages it
left.) `redrive` moves a DLQ's messages back to its queue as
`aws sqs start-message-move-task` does (which moto lacks, so this one path serves both).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from socialscore.aws import clients
from socialscore.aws.batch import TO_DLQ, chunks
from socialscore.aws.sqs import CORRELATION_ID, SqsQueue, message_of
from socialscore.domain.interaction import ContactId, Erase, Network, UserId, identity_key
from socialscore_ops.commands import Result, command
from socialscore_ops.output import Progress, table
from socialscore_ops.stack import OpsError, Stack

STAGES = {"rehydrate": "Rehydrate", "resolve": "Resolve", "score": "Score"}  # -> logical ids
SOURCE = "ops"
# How long a peek or a move hides the messages it took: a crash of this command leaves none
# hidden for longer. A peek makes them visible again as soon as it is done.
HIDE_SECONDS = 60
PEEK = 1_000  # messages peeked at per DLQ by default: bounds the receives
DAYS = 14.0  # the DLQs keep a message 14 days (MessageRetentionPeriod): no older line matters
# Server-side on CloudWatch: only the lines that name a failed message come back. (moto takes
# any pattern it cannot read as "everything": the lines are checked here again.)
FAILURE_LINES = ("poison message", "failed", "refused by the store")  # 0.2.0's
# A JSON filter's string value takes a * wildcard, as "to DLQ: *" (JSON log events:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
PATTERN = "{ " + " || ".join(f'$.message = "{m}"' for m in (*FAILURE_LINES, f"{TO_DLQ}*")) + " }"
NOT_LOGGED = "(no reason logged)"


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    erase = command(verbs, shared, "erase", erase_person)
    erase.add_argument(
        "whom",
        metavar="CONTACT|NETWORK#USER",
        help="a contact id (every identity linked to it), or one identity (x#12345)",
    )
    erase.add_argument(
        "--yes", action="store_true", help="erase without asking (a script, a ticket's runbook)"
    )
    dlq = command(verbs, shared, "dlq", dead_letters)
    since = f"read the stages' logs this far back (default {DAYS:g})"
    dlq.add_argument("--since", type=float, default=DAYS, metavar="DAYS", help=since)
    peek = f"look at this many messages per DLQ at most (default {PEEK:,})"
    dlq.add_argument("--peek", type=int, default=PEEK, metavar="N", help=peek)
    redrive = command(verbs, shared, "redrive", redrive_stage)
    redrive.add_argument("stage", choices=list(STAGES))


# --- erase -----------------------------------------------------------------------------------
class _Identity(BaseModel):
    network: Network
    network_user_id: UserId


_CONTACT: TypeAdapter[str] = TypeAdapter(ContactId)  # as an SMMS erase event takes it


def erase_person(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    contact, identity = _whom(args.whom.strip())
    what = f"contact {contact}" if contact else f"identity {identity}"
    if not args.yes and not _confirmed(what):
        return Result({"erased": False}, "nothing erased", status=1)
    correlation = f"ops-{uuid.uuid4()}"  # follows the erasure through the score stage's log
    message = Erase(
        event_id=correlation,
        source=SOURCE,
        contact_id=contact,
        identity=identity,
        occurred_at=datetime.now(UTC),
    )
    sent = clients.client("sqs").send_message(
        QueueUrl=stack.queue_url("ScoreQueue"),
        MessageBody=message.model_dump_json(),
        MessageAttributes={CORRELATION_ID: {"DataType": "String", "StringValue": correlation}},
    )
    mid = sent["MessageId"]
    data: dict[str, str | None] = {"message_id": mid, "queue": "ScoreQueue", "contact_id": contact}
    data |= {"identity": identity, "correlation_id": correlation}
    return Result(
        data,
        f"Queued the erasure of {what} (message {mid}).\nThe score stage erases it on its next "
        "run (touches, scores, identity links); the next crm_sync clears it in the CRM.",
    )


def _confirmed(what: str) -> bool:
    """The person's answer on stdin (a terminal, or a pipe as `rm -i` reads one); no answer,
    at the end of stdin (a script, CI), is no."""
    sys.stderr.write(
        f"Erase {what}: its touches, scores and identity links are deleted for good, and the "
        "CRM's social fields cleared. Type yes to erase: "
    )
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        sys.stderr.write("\n(no answer: pass --yes to erase without asking)\n")
    return answer.strip().lower() in ("y", "yes")


def _whom(whom: str) -> tuple[str | None, str | None]:
    """(contact id, None) or (None, network#user id); anything else is a mistake."""
    if "#" not in whom:
        try:
            return _CONTACT.validate_python(whom), None
        except ValidationError as err:
            raise OpsError(f"not a contact id: {err.errors()[0]['msg']}") from None
    network, user = whom.split("#", 1)
    try:
        found = _Identity.model_validate({"network": network, "network_user_id": user})
    except ValidationError:
        networks = "|".join(n.value for n in Network)
        raise OpsError(
            f"erase takes a contact id or {networks}#<network user id>, e.g. x#12345"
        ) from None
    return None, identity_key(found.network, found.network_user_id)


# --- dlq -------------------------------------------------------------------------------------
def dead_letters(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    sqs, now = clients.client("sqs"), datetime.now(UTC)
    since = now - timedelta(days=args.since)
    stages = []
    for stage, logical in STAGES.items():
        url = stack.queue_url(f"{logical}DLQ")
        depth = queue_depth(sqs, url)
        with _peek(sqs, url, min(depth, args.peek)) as peeked:
            sent = [int(m.get("Attributes", {}).get("SentTimestamp", 0)) for m in peeked]
            ids = {m["MessageId"] for m in peeked}
        reasons: dict[str, set[str]] = {}
        group = stack.outputs.get(f"{logical}LogGroupName")
        if ids and group:
            # A message's lines all come after it was first sent.
            start = max(since, datetime.fromtimestamp(min(sent) / 1000 - 60, UTC))
            reasons = _logged(group, start, ids)
        counts: Counter[str] = Counter()
        sample: dict[str, str] = {}
        for mid in sorted(ids):
            for reason in reasons.get(mid) or {NOT_LOGGED if group else "(no log group output)"}:
                counts[reason] += 1
                sample.setdefault(reason, mid)
        found = [
            {"reason": r, "messages": n, "sample_message_id": sample[r]}
            for r, n in counts.most_common()
        ]
        stages.append(
            {"stage": stage, "dlq": f"{logical}DLQ", "depth": depth}
            | {"peeked": len(ids), "reasons": found}
        )
    return Result({"since": since.isoformat(), "stages": stages}, _dlq_text(stages, since))


def _dlq_text(stages: list[dict[str, Any]], since: datetime) -> str:
    rows: list[list[object]] = []
    for s in stages:
        first = [s["stage"], s["depth"]]
        for r in s["reasons"] or [{"reason": "", "messages": "", "sample_message_id": ""}]:
            reason = r["reason"] if len(r["reason"]) <= 100 else r["reason"][:99] + "…"
            rows.append([*first, reason, r["messages"], r["sample_message_id"]])
            first = ["", ""]
    text = table(["stage", "in DLQ", "reason", "messages", "sample message id"], rows)
    partial = [f"{s['stage']}: {s['peeked']:,} of {s['depth']:,}" for s in stages
               if s["peeked"] < s["depth"]]  # fmt: skip
    notes = [f"Reasons from the stages' logs since {since:%Y-%m-%d %H:%M} UTC."]
    if partial:
        notes.append(f"Messages peeked at: {'; '.join(partial)} (--peek N for more).")
    if any(s["depth"] for s in stages):
        notes.append("Fix the cause, then: socialscore redrive STAGE")
    return "\n".join([text, "", *notes])


def queue_depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


@contextmanager
def _peek(sqs: Any, url: str, most: int) -> Iterator[list[dict[str, Any]]]:
    """Up to `most` of a queue's messages, visible again afterwards: each receive hides what
    it took (a receive that hid nothing would hand the same ten over again), and the peek ends
    by making them all visible at once."""
    taken: dict[str, dict[str, Any]] = {}
    try:
        while len(taken) < most and (
            got := _receive(sqs, url, most - len(taken), AttributeNames=["SentTimestamp"])
        ):
            taken |= {m["MessageId"]: m for m in got}
        yield list(taken.values())
    finally:
        for chunk in chunks(list(taken.values()), 10):
            entries = _handles(chunk, VisibilityTimeout=0)
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def _receive(sqs: Any, url: str, most: int, **extra: Any) -> list[dict[str, Any]]:
    """Up to `most` (10 at most) messages, hidden for HIDE_SECONDS."""
    got: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=min(10, most),
        VisibilityTimeout=HIDE_SECONDS,
        WaitTimeSeconds=1,  # asks every SQS server: a short poll may miss a few of a small queue
        **extra,
    ).get("Messages", [])
    return got


def _handles(messages: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
    """Batch entries naming these received messages."""
    return [
        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], **extra} for n, m in enumerate(messages)
    ]


def _logged(group: str, start: datetime, ids: set[str]) -> dict[str, set[str]]:
    """SQS message id -> the reasons logged for it (one per packed message: each one's last)."""
    paginator = clients.client("logs").get_paginator("filter_log_events")
    at = int(start.timestamp() * 1000)
    pages = paginator.paginate(logGroupName=group, startTime=at, filterPattern=PATTERN)
    last: dict[str, str] = {}  # logged message id -> its latest reason
    for page in pages:
        for event in page.get("events", []):
            found = _reason(event.get("message", ""))
            if found is not None and message_of(found[0]) in ids:
                last[found[0]] = found[1]
    reasons: dict[str, set[str]] = {}
    for mid, reason in last.items():
        reasons.setdefault(message_of(mid), set()).add(reason)
    return reasons


def _reason(message: str) -> tuple[str, str] | None:
    """(message id, reason) of a failure line; None for any other line."""
    try:
        line = json.loads(message)
    except ValueError:
        return None
    if not isinstance(line, dict) or not isinstance(mid := line.get("message_id"), str):
        return None
    kind = line.get("message")
    if isinstance(kind, str) and kind.startswith(TO_DLQ):
        kind = kind.removeprefix(TO_DLQ)
        return mid, f"{kind}: {_errors(line['errors'])}" if "errors" in line else kind
    if kind == "poison message":
        return mid, f"{kind}: {_errors(line.get('errors'))}"
    if kind in FAILURE_LINES:
        return mid, f"{kind}: {line.get('reason')}"
    return None


def _errors(errors: Any) -> str:
    """Each field and why (the lines hold no values): `erase.occurred_at: Value error, ...`."""
    if not isinstance(errors, list):
        return "?"
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', [])) or 'body'}: {e.get('msg')}"
        for e in errors
        if isinstance(e, dict)
    )


# --- redrive ---------------------------------------------------------------------------------
def redrive_stage(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    logical = STAGES[args.stage]
    dlq, queue = stack.queue_url(f"{logical}DLQ"), stack.queue_url(f"{logical}Queue")
    sqs = clients.client("sqs")
    total = queue_depth(sqs, dlq)
    data: dict[str, Any] = {"stage": args.stage, "moved": 0, "refused": 0}
    if not total:
        return Result(data, f"{logical}DLQ is empty: nothing to move")
    progress = Progress(f"redrive {args.stage}", total, sys.stderr)
    moved, refused = _move(sqs, dlq, SqsQueue(queue), total, progress)
    progress.close()
    left = queue_depth(sqs, dlq)
    data |= {"moved": moved, "refused": refused, "left": left}
    plural = "" if moved == 1 else "s"
    text = f"Moved {moved:,} message{plural} from {logical}DLQ back to {logical}Queue"
    if refused:
        text += f"; SQS refused {refused:,}, left in the DLQ"
    if left:
        text += f"; {left:,} still in the DLQ (arrived meanwhile): run redrive again"
    return Result(data, text + ".\nThe stage runs them again as it runs any message.")


def _move(sqs: Any, dlq: str, queue: SqsQueue, total: int, progress: Progress) -> tuple[int, int]:
    """Receive, send to the queue with the same attributes (the correlation id), delete what
    was sent; up to the `total` counted at the start, so that messages failing back into the
    DLQ meanwhile are not taken round again. Returns (moved, refused by SQS)."""
    moved = refused = 0
    while moved + refused < total and (
        got := _receive(sqs, dlq, total - moved - refused, MessageAttributeNames=["All"])
    ):
        unsent = set(queue.send_entries([_entry(n, m) for n, m in enumerate(got)]))
        done = [m for n, m in enumerate(got) if str(n) not in unsent]
        if done:  # only now: a message is never in neither queue
            sqs.delete_message_batch(QueueUrl=dlq, Entries=_handles(done))
        moved, refused = moved + len(done), refused + len(unsent)
        progress.advance(len(got))
    return moved, refused


def _entry(n: int, message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": str(n), "MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        entry["MessageAttributes"] = message["MessageAttributes"]
    return entry
