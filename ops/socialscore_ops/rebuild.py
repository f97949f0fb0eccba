"""rebuild: every touch's units and every aggregate again from the ledger, for the live scoring
model (socialscore.store.rebuild does the work; this command stops the score stage around it).

A touch's stored units depend on the half-life (domain.decay), so a model with a new half-life
leaves every stored sum meaning something else until this has run. Only the units follow the
model: a touch keeps the weight it was scored with (new weights apply to new touches).

Checkpoint: the SyncStateTable's item `rebuild#checkpoint` names the model being rebuilt for,
the run's state (running, finished), the score triggers it paused and its counts so far. Every
run reads the whole ledger (a post's and a seller's counters take every entry) and writes only
what is not yet right, so a run after an interrupted one writes only what that one had not;
it also enables again the triggers a killed run left paused.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.aws.config import parameter_path
from socialscore.domain.scoring_model import ScoringModel, bundled
from socialscore.store import dynamo
from socialscore.store.contact_sync import ContactSync
from socialscore.store.identities import Identities
from socialscore.store.rebuild import Counts, Rebuild
from socialscore.store.table_size import item_count
from socialscore_ops import rebuild_pause
from socialscore_ops.commands import Result, command
from socialscore_ops.model import CACHE, published
from socialscore_ops.output import Progress, table
from socialscore_ops.rebuild_opportunities import rebuild_opportunities
from socialscore_ops.rebuild_tally import rebuild_tally
from socialscore_ops.stack import OpsError, Stack

CHECKPOINT = "rebuild#checkpoint"
PAGE_ITEMS: int | None = None  # items a scan page; None: DynamoDB's pages of 1 MB

HELP = (
    "recompute every touch's units and every aggregate from the ledger, for the live scoring "
    "model: after a half-life change, or to repair counters"
)
EPILOG = (
    "It pauses the score stage while it runs: it disables the ScoreQueue's Lambda trigger, "
    "waits until no batch is in flight, and enables it again at the end (also after a failure; "
    "a killed run's next run does it). Webhooks meanwhile wait in the queue, and are scored "
    "afterwards. A rebuild racing the score stage would overwrite its deltas, and could write "
    "a withdrawn act or an erased person back: never run it with the trigger on. It refuses "
    "to start within 5 minutes of `socialscore model publish`, while functions may still "
    "score with the model before. Interrupted, run it again: it writes only what is not yet "
    "right. Needs "
    "lambda:ListEventSourceMappings, GetEventSourceMapping, UpdateEventSourceMapping, "
    "sqs:GetQueueAttributes, ssm:GetParameter, and Scan, BatchGetItem, BatchWriteItem and "
    "DescribeTable on the ledger and scores tables, PutItem, UpdateItem, DeleteItem and "
    "ConditionCheckItem on the scores table (the contacts' ranking), Scan on the identities "
    "table and its by_contact index, UpdateItem, BatchGetItem and ConditionCheckItem on the "
    "identities table, and Scan, BatchGetItem, BatchWriteItem, PutItem, GetItem and DeleteItem "
    "on the SyncStateTable (the bucket tally it builds last, under crm_sync's run lease)."
)


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    parser = command(verbs, shared, "rebuild", run, HELP)
    parser.epilog = EPILOG
    parser.add_argument(
        "--wait",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the score stage's batches to end (default 300; a failed "
        "batch's messages come back after the queue's visibility timeout, 180 s)",
    )
    parser.add_argument(
        "--no-pause",
        action="store_true",
        help="do not touch the trigger (there is none: serve); refused unless the ScoreQueue "
        "is empty, and then you see to it that nothing is scored until it ends",
    )


def run(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    live = _live(stack)
    checkpoint = Checkpoint(stack.table("SyncStateTable"), live)
    before = checkpoint.read()
    resumed = before is not None and checkpoint.resumes(before)
    left_paused: list[str] = list(before.get("paused", [])) if before else []
    started = time.monotonic()
    if args.no_pause:
        if left_paused:
            raise OpsError(
                f"a stopped rebuild left the score trigger paused ({', '.join(left_paused)}): "
                "run without --no-pause, which enables it again at its end"
            )
        rebuild_pause.idle(stack)
        paused: list[str] = []
        engine = _rebuild(stack, live, checkpoint)
        tallied = rebuild_tally(stack, live)  # the report's bucket counts, from the new scores
    else:

        def record(uuids: list[str]) -> None:
            checkpoint.paused = uuids
            checkpoint.save("running")

        with rebuild_pause.paused(stack, args.wait, left_paused, record) as paused:
            engine = _rebuild(stack, live, checkpoint)
            tallied = rebuild_tally(stack, live)  # still paused: nothing scored while it reads
    # `top`'s bound on any contact's identities (store.identity_counts): links written
    # meanwhile keep it themselves, so the score stage need not be paused for it.
    most = Identities(stack.table("IdentitiesTable")).rebuild_most()
    # The opportunities' splits the leaderboard, posts and the report read, for the live model
    # (crm_sync's own, where a run kept them under it, stay).
    split = rebuild_opportunities(stack, live)
    checkpoint.save("finished")
    done = _result(live, engine.counts, resumed, paused, time.monotonic() - started)
    text = f"{done.text}\nbucket tally built: {tallied:,} profiles kept"
    bound = f"{most:,}" if most is not None else "no bound (a set is full: top reads them whole)"
    text += f"\nmost identities of a contact: {bound}"
    text += f"\nopportunities split from their journeys: {split:,}"
    data = {"bucket_tally_profiles": tallied, "most_identities": most, "opportunities_split": split}
    return Result(done.data | data, text)


def _live(stack: Stack) -> ScoringModel:
    """The model the functions score with, once every function has read it (refused before)."""
    name = stack.scoring_model_parameter
    if name is None:
        return bundled()
    model, written = published(name)
    if model is None or written is None:
        raise OpsError(
            f"nothing is published in {parameter_path(name)}: `socialscore model publish FILE`"
        )
    if (until := written + CACHE) > datetime.now(UTC):
        raise OpsError(
            f"{model.version} was published at {written:%H:%M:%S} UTC and functions keep the "
            f"model they read 5 minutes: until {until:%H:%M:%S} UTC some may still score with "
            "the one before, which a rebuild now would not see: run it after that"
        )
    return model


class Checkpoint:
    """The SyncStateTable's `rebuild#checkpoint`: which model, how far, what is paused."""

    def __init__(self, table: str, model: ScoringModel) -> None:
        self._table = table
        self._model = model
        self.paused: list[str] = []  # the score triggers this run disabled
        self.counts = Counts()

    def read(self) -> dict[str, Any] | None:
        return dynamo.batch_get(self._table, "key", [CHECKPOINT], consistent=True).get(CHECKPOINT)

    def resumes(self, found: dict[str, Any]) -> bool:
        """Whether `found` is a run for this same model that did not finish."""
        return (
            found.get("state") == "running"
            and found.get("model_version") == self._model.version
            and found.get("half_life_days") == _days(self._model)
        )

    def save(self, state: str) -> None:
        item = {
            "key": CHECKPOINT,
            "state": state,
            "model_version": self._model.version,
            "half_life_days": _days(self._model),
            "paused": self.paused,
            "at": datetime.now(UTC).isoformat(),
        } | asdict(self.counts)
        clients.client("dynamodb").put_item(TableName=self._table, Item=dynamo.to_item(item))


def _days(model: ScoringModel) -> Decimal:
    return Decimal(str(model.half_life_days))


def _rebuild(stack: Stack, live: ScoringModel, checkpoint: Checkpoint) -> Rebuild:
    ledger, scores = stack.table("LedgerTable"), stack.table("ScoresTable")
    # Link syncs stand aside until the ranking is written (a sync between this run's write of
    # an identity's item and of its contacts' would be half undone), then the links read.
    Rebuild.hold_contact_ranking(scores)
    links = _links(stack)  # the contacts' ranking follows them (store.contact_totals)
    engine = Rebuild(ledger, scores, live.half_life_seconds, PAGE_ITEMS, links)
    checkpoint.counts = engine.counts
    checkpoint.save("running")
    for label, table_name, pages in (
        ("ledger", ledger, engine.ledger_pages),
        ("scores", scores, engine.score_pages),
    ):
        # The stream named now: Progress's default is sys.stderr as it was at import.
        progress = Progress(label, item_count(table_name), sys.stderr)
        for read in pages():
            # DescribeTable's count is some hours old: a bar never runs past its end.
            progress.total = max(progress.total, progress.done + read)
            progress.advance(read)
            checkpoint.save("running")  # a page's writes are done: the counts so far
        progress.close()
    # Links kept being written meanwhile (resolve and crm_sync run), their syncs standing
    # aside: once syncs land again, each link that differs from the read above is synced (a
    # link written from now on syncs itself).
    engine.mark_contact_ranking()
    now = _links(stack)
    moved = sorted(i for i in links.keys() | now.keys() if links.get(i) != now.get(i))
    ContactSync(stack.table("IdentitiesTable"), scores).sync(moved)
    return engine


def _links(stack: Stack) -> dict[str, str]:
    """identity -> its contact, every link (a Scan of the identities table)."""
    contacts = Identities(stack.table("IdentitiesTable")).all_contacts()
    return {i: contact for contact, identities in contacts.items() for i in identities}


def _result(
    live: ScoringModel, counts: Counts, resumed: bool, paused: list[str], seconds: float
) -> Result:
    data = {
        "model_version": live.version,
        "half_life_days": live.half_life_days,
        "resumed": resumed,
        "paused_triggers": paused,
        "seconds": round(seconds, 2),
        **asdict(counts),
    }
    labels = {
        "entries_read": "ledger entries read",
        "entries_rewritten": "ledger entries rewritten (units)",
        "aggregates_rewritten": "aggregate items rewritten",
        "aggregates_unchanged": "aggregate items unchanged",
    }
    rows = [(labels[name], value) for name, value in asdict(counts).items()]
    lines = [
        f"rebuilt for {live.version} (half-life {live.half_life_days:g} days) in {seconds:.1f} s"
        + (", resuming a run that stopped" if resumed else ""),
        f"score trigger paused and on again: {', '.join(paused)}" if paused else "",
        table(["", "items"], rows),
        "crm_sync takes the new scores to the CRM at its next daily pass; hot-lead flags stay",
    ]
    return Result(data, "\n".join(line for line in lines if line))
