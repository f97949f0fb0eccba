"""Folding closed days' rollup shards on the scores table (the rule: domain.rollup_fold).

Step 1 adds the moved sums to a pending item, `day#<date>#<dimension>#<name>#fold`, under the
`by_day` key `fold`: no reader asks for that key, so no report counts it, and each run finds
every pending item a stopped run left, whatever its day, with one Query first (another run at
once may have saved that day as folded since). The pending item, not an attribute of
the target, because the score stage deletes a target whose counts all reach 0 (a retraction),
and would delete pending sums with it.

Every transaction is conditioned on what it consumes (a shard deleted while it holds what was
read; a pending item while it holds its sums), so one sent again (an SDK retry after a timeout,
a second run at once) is refused, never applied twice. A refused name is read again from the
table itself (consistent) and tried once more, then left, counted: its day is saved as folded
all the same (its shards still summed by every read), so it stays unfolded until a rebuild.

Progress: `day#folded` holds the last day folded whole; `socialscore rebuild` marks it while it
runs (no fold transaction passes the mark: store.rollup_fold_actions) and deletes it with the
pending items (it sets every shard again, unfolded).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from datetime import date
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.aws.logs import logger
from socialscore.domain import rollup_fold
from socialscore.domain.aggregates import COUNTER_SHARDS
from socialscore.domain.rollup_fold import Move
from socialscore.domain.rollups import ROLLUP_COUNTERS, Dimension, RollupKey
from socialscore.store import dynamo
from socialscore.store.rollup_fold_actions import (
    PROGRESS,
    REBUILDING,
    DayRead,
    FoldCounts,
    Pending,
    Rebuilding,
    delete,
    not_rebuilding,
    update,
)
from socialscore.store.rollups import BY_DAY_INDEX
from socialscore.store.scores import ROLLUP, index_attributes, item_key

PENDING = "#fold"  # a pending item's key: the name's key (without its shard) and this
PENDING_ROLLUP = "fold"  # every pending item's `by_day` key
GROUP_ACTIONS = rollup_fold.MAX_ACTIONS - 1  # and the check that no rebuild runs
FINISH_NAMES = GROUP_ACTIONS // 2  # a step 2 is two actions a name
PART_NAMES = 500  # names held at once while a day is folded (up to 8 shards each)


# Every counted touch is rolled up under its network (domain.rollups.named): a day without a
# network rollup has none, so its sellers and posts are not read (a new stack's first run walks
# report.period.FOLD_BACK days, most of them empty: 3 Queries a day -> 1).
_NETWORKS_FIRST = (Dimension.NETWORK, Dimension.SELLER, Dimension.POST)


class RollupFold:
    def __init__(self, table: str, oldest_back: int, part_names: int = PART_NAMES) -> None:
        self._table = table
        self._oldest_back = oldest_back  # days: where a stack with no progress starts
        self._part_names = part_names
        self.counts = FoldCounts()

    # --- the run ---------------------------------------------------------------------------
    def run(self, today: date, seconds_left: Callable[[], float]) -> FoldCounts:
        """Fold the closed days after the last folded whole, oldest first, saving progress
        after each; stops (between transactions) when `seconds_left` reaches 0, and folds
        nothing while a rebuild runs."""
        try:
            return self._run(today, seconds_left)
        except Rebuilding:
            self.counts.left[REBUILDING] += 1
            logger().warning("rollup fold skipped: socialscore rebuild is running")
            return self.counts

    def _run(self, today: date, seconds_left: Callable[[], float]) -> FoldCounts:
        days = rollup_fold.days_to_fold(self.last_folded(), today, self._oldest_back)
        if not self.finish(self.pending()):
            return self.counts
        for day in days:
            if seconds_left() <= 0 or not self.fold_day(day, seconds_left):
                self.counts.out_of_time = seconds_left() <= 0
                break
            self._save(day)
            self.counts.days.append(day)
        return self.counts

    def fold_day(self, day: str, seconds_left: Callable[[], float]) -> bool:
        """One day, every dimension. False when time ran out (nothing left pending by this
        run) or a pending item could not be finished."""
        for dimension in _NETWORKS_FIRST:
            read = None
            for read in self.parts(day, dimension):
                for group in rollup_fold.groups(rollup_fold.plan(read.shards), GROUP_ACTIONS):
                    if seconds_left() <= 0:
                        return False
                    if not self.finish(self.move(read, group)):
                        return False
            if read is None and dimension is Dimension.NETWORK:
                return True  # a day without touches: its sellers and posts not read
        return True

    def last_folded(self) -> date | None:
        """The last day folded whole (None: none); raises Rebuilding while a rebuild runs."""
        found = dynamo.batch_get(self._table, "pk", [PROGRESS], consistent=True).get(PROGRESS)
        self._count(calls=1, read=1)
        if found and REBUILDING in found:
            raise Rebuilding
        return date.fromisoformat(found["day"]) if found and "day" in found else None

    def _save(self, day: str) -> None:
        client = clients.client("dynamodb")
        self._count(calls=1)
        # Never back: a slower run at once saves an older day.
        with suppress(client.exceptions.ConditionalCheckFailedException):
            client.update_item(
                TableName=self._table,
                Key={"pk": {"S": PROGRESS}},
                UpdateExpression="SET #d = :d",
                ConditionExpression="attribute_not_exists(#r) AND "
                "(attribute_not_exists(#d) OR #d < :d)",
                ExpressionAttributeNames={"#d": "day", "#r": REBUILDING},
                ExpressionAttributeValues={":d": {"S": day}},
            )

    # --- reads -----------------------------------------------------------------------------
    def parts(self, day: str, dimension: Dimension) -> Iterator[DayRead]:
        """A day's shards of one dimension from `by_day` (every attribute: the index projects
        them all; eventually consistent, so a shard's values may be old: its delete is then
        refused and the name read again from the table), `part_names` names at a time: a Query
        answers in the order of the index's sort key, `pk` (docs.aws.amazon.com/amazondynamodb/
        latest/developerguide/Query.html), so a name's shards come together and a name is
        whole once the next begins; what is held stays the same at any size."""
        part = DayRead(day, dimension)
        prefix = f"day#{day}#{dimension}#"
        for item in self._query(f"{day}#{dimension}"):
            name, shard = item["pk"].removeprefix(prefix).rsplit("#shard#", 1)
            if name not in part.shards and len(part.shards) >= self._part_names:
                yield part
                part = DayRead(day, dimension)
            part.shards.setdefault(name, {})[int(shard)] = item
            if "team" in item:
                part.teams[name] = item["team"]
        if part.shards:
            yield part

    def pending(self) -> list[Pending]:
        """Every pending item (stopped runs'), as the table holds them now."""
        keys = [item["pk"] for item in self._query(PENDING_ROLLUP)]
        return self._pending_now(keys)

    def _pending_now(self, keys: list[str]) -> list[Pending]:
        found = self._get(keys)
        return [
            Pending(k, i["target"], i["of"], i.get("team"), _counters(i)) for k, i in found.items()
        ]

    def _query(self, key: str) -> Iterable[dict[str, Any]]:
        for page in dynamo.query(
            TableName=self._table,
            IndexName=BY_DAY_INDEX,
            KeyConditionExpression="#k = :k",
            ExpressionAttributeNames={"#k": ROLLUP},
            ExpressionAttributeValues={":k": {"S": key}},
        ):
            self._count(calls=1, read=len(page))
            yield from page

    def _get(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Items by key from the table itself (consistent)."""
        if not keys:
            return {}
        found = dynamo.batch_get(self._table, "pk", keys, consistent=True)
        self._count(calls=-(-len(keys) // 100), read=len(keys))
        return found

    # --- step 1 ----------------------------------------------------------------------------
    def move(self, read: DayRead, group: list[Move]) -> list[Pending]:
        """Step 1 of a group of names, one transaction; a refused name read again and tried
        once more, then left. Returns the pending items written."""
        tries: Counter[str] = Counter()
        while group:
            try:
                self._transact([a for m in group for a in self._move_actions(read, m)])
            except clients.client("dynamodb").exceptions.TransactionCanceledException as err:
                group = self._after_refusal(read, group, err.response, tries)
                continue
            self.counts.names += len(group)
            self.counts.shards_deleted += sum(len(m.deletes) for m in group)
            return [self._pending_of(read, m) for m in group if m.moved]
        return []

    def _after_refusal(
        self, read: DayRead, group: list[Move], response: dict[str, Any], tries: Counter[str]
    ) -> list[Move]:
        """The group to try again: each refused name read again (consistent) once, left the
        second time (logged with its reason: the dimension, never the name)."""
        reasons = [r.get("Code", "None") for r in response.get("CancellationReasons", [])]
        refused: dict[str, str] = {}
        at = 0
        for move in group:
            codes = {c for c in reasons[at : at + move.actions] if c != "None"}
            at += move.actions
            if codes:
                refused[move.name] = sorted(codes)[0]
        if not refused:  # cancelled with no reason given: nothing to read again
            refused = {m.name: "TransactionCanceled" for m in group}
        kept = [m for m in group if m.name not in refused]
        for name, reason in refused.items():
            tries[name] += 1
            if tries[name] > 1:
                self.counts.left[reason] += 1
                logger().warning(
                    "rollup fold left a name unfolded",
                    extra={"day": read.day, "dimension": str(read.dimension), "reason": reason},
                )
                continue
            keys = {
                item_key(RollupKey(read.day, read.dimension, name, s)): s
                for s in range(COUNTER_SHARDS)
            }
            now = self._get(list(keys))
            read.shards[name] = {keys[k]: i for k, i in now.items()}
            kept += rollup_fold.plan({name: read.shards[name]})
        return kept

    def _move_actions(self, read: DayRead, move: Move) -> list[dict[str, Any]]:
        actions = []
        if move.moved:
            pending = self._pending_of(read, move)
            sets = {ROLLUP: PENDING_ROLLUP, "target": pending.target}
            sets |= {"of": pending.of} | ({"team": pending.team} if pending.team else {})
            actions.append({"Update": update(self._table, pending.key, move.moved, sets)})
        for shard, expect in move.deletes:
            key = item_key(RollupKey(read.day, read.dimension, move.name, shard))
            actions.append({"Delete": delete(self._table, key, expect)})
        return actions

    def _pending_of(self, read: DayRead, move: Move) -> Pending:
        target = RollupKey(read.day, read.dimension, move.name, move.target)
        team = read.teams.get(move.name)
        key = f"day#{read.day}#{read.dimension}#{move.name}{PENDING}"
        return Pending(key, item_key(target), index_attributes(target)[ROLLUP], team, move.moved)

    # --- step 2 ----------------------------------------------------------------------------
    def finish(self, pending: list[Pending]) -> bool:
        """Step 2: each pending item's sums added to its target and the item deleted, 50 names
        a transaction; a refused group read again once. False when some could not be."""
        for start in range(0, len(pending), FINISH_NAMES):
            group = pending[start : start + FINISH_NAMES]
            for attempt in range(2):
                try:
                    self._transact([a for p in group for a in self._finish_actions(p)])
                    break
                except clients.client("dynamodb").exceptions.TransactionCanceledException:
                    if attempt:
                        self.counts.left["pending_not_finished"] += len(group)
                        logger().warning("rollup fold left pending sums for the next run")
                        return False
                    group = self._pending_now([p.key for p in group])
                    if not group:  # finished meanwhile (another run)
                        break
            self.counts.pending_finished += len(group)
        return True

    def _finish_actions(self, p: Pending) -> list[dict[str, Any]]:
        sets = {ROLLUP: p.of} | ({"team": p.team} if p.team else {})
        return [
            {"Update": update(self._table, p.target, p.sums, sets)},
            {"Delete": delete(self._table, p.key, rollup_fold.expected(p.sums))},
        ]

    # --- requests --------------------------------------------------------------------------
    def _transact(self, actions: list[dict[str, Any]]) -> None:
        """One transaction of `actions` and the check that no rebuild runs (the last action:
        CancellationReasons answer in the order of the actions)."""
        self._count(calls=1, actions=len(actions) + 1)
        client = clients.client("dynamodb")
        try:
            client.transact_write_items(TransactItems=[*actions, not_rebuilding(self._table)])
        except client.exceptions.TransactionCanceledException as err:
            reasons = err.response.get("CancellationReasons") or [{}]
            if reasons[-1].get("Code") == "ConditionalCheckFailed":
                raise Rebuilding from err
            raise

    def _count(self, calls: int = 0, read: int = 0, actions: int = 0) -> None:
        self.counts.calls += calls
        self.counts.items_read += read
        self.counts.actions += actions


def _counters(item: dict[str, Any]) -> dict[str, Decimal]:
    return {n: v for n, v in item.items() if n in ROLLUP_COUNTERS}
