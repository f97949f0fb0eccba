"""The day rollups on the table (moto): what the ledger's transactions leave (store.ledger),
read back from the `by_day` index (store.rollups), is what the memory reader recomputes from the
ledger's counted touches (socialscore_local.memory.rollups, domain.rollups.recompute): acts on
three days, one replaced by a report a day later (its delta moved out of its first day), one
withdrawn, a paid act apart. The same for the all-time post and seller counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from socialscore.aws import clients
from socialscore.domain.aggregates import TALLY
from socialscore.domain.decay import EPOCH, number
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.rollups import Dimension, days_between
from socialscore.domain.touch import Withdrawal
from socialscore.report import tally
from socialscore.report.covered import ORGANIC_POINTS, ORGANIC_TOUCHES
from socialscore.store import dynamo
from socialscore.store.ledger import Ledger
from socialscore.store.rebuild import Rebuild
from socialscore.store.rollups import RollupStore
from socialscore.store.scores import Scores
from socialscore_local.memory.rollups import MemoryRollups
from tests.integration.moto_tables import moto_table
from tests.integration.support import ANA, BEN
from tests.unit.test_scoring import MODEL, touch

__all__ = ["moto_table"]
DAY = timedelta(days=1)


@pytest.fixture
def stored(moto_table: object) -> tuple[Ledger, RollupStore]:
    make = moto_table  # the fixture's `make(logical)`
    assert callable(make)
    ledger = Ledger(make("LedgerTable"), make("ScoresTable"))
    return ledger, RollupStore(ledger.scores_table)


def test_the_rollups_the_ledger_leaves_are_those_recomputed_from_its_touches(
    stored: tuple[Ledger, RollupStore],
) -> None:
    ledger, rollups = stored
    like = touch(Kind.LIKE, iid="a", actor="u1", seller=ANA, at=EPOCH + timedelta(hours=3))
    acts = [
        like,
        touch(Kind.COMMENT, iid="b", actor="u2", seller=ANA, at=EPOCH + timedelta(hours=5)),
        touch(Kind.SHARE, iid="c", actor="u3", seller=BEN, post_id="200", at=EPOCH + DAY),
        touch(Kind.LIKE, iid="d", actor="u4", category=Category.PAID, at=EPOCH + DAY),
        touch(Kind.FOLLOW, iid="e", actor="u5", post_id=None, at=EPOCH + 2 * DAY),
        touch(Kind.COMMENT, iid="f", actor="u6", seller=BEN, at=EPOCH + 2 * DAY),
    ]
    ledger.record([*acts])
    # The like reported again a day later under another id: it counts on its new day alone.
    ledger.record([replace(like, interaction_id="a2", occurred_at=EPOCH + DAY)])
    gone = acts[5]  # and the last comment taken back
    ledger.record([Withdrawal(gone.profile, gone.dedupe_key, EPOCH + 3 * DAY)])

    oracle = MemoryRollups(ledger.every_touch)
    days = days_between(EPOCH.date(), (EPOCH + 3 * DAY).date())
    for dimension in Dimension:
        assert rollups.days(days, dimension) == oracle.days(days, dimension), dimension
        assert rollups.period(days, dimension) == oracle.period(days, dimension), dimension
    assert rollups.all_time(Dimension.POST) == oracle.all_time(Dimension.POST)
    assert rollups.all_time(Dimension.SELLER) == oracle.all_time(Dimension.SELLER)
    # Read with only the counters the report's rows show (a projection): the same, cut to them
    # (stores of their own: this one shares the periods it read whole)
    projected = RollupStore(ledger.scores_table)
    for only in (tally.REACTIONS, tally.TOTALS):
        for dimension in Dimension:
            assert projected.days(days, dimension, only) == oracle.days(days, dimension, only)
            mine = RollupStore(ledger.scores_table).period(days, dimension, only)
            assert mine == oracle.period(days, dimension, only)
        for dimension in (Dimension.POST, Dimension.SELLER):
            assert projected.all_time(dimension, only) == oracle.all_time(dimension, only)
    assert projected.period(days, Dimension.SELLER, tally.REACTIONS) == {
        "s-ana": {"organic_comment": 1, "organic_like": 1, "team": "enterprise"},
        "s-ben": {"organic_share": 1, "team": "smb"},
    }
    first = rollups.days(days[:1], Dimension.SELLER)["2026-01-01"]
    assert first == {  # Ana's comment; her like moved to the next day
        "s-ana": {
            "organic_touches": 1,
            "organic_points": number(acts[1].weight),
            "organic_comment": 1,
            "team": "enterprise",
        }
    }
    assert "s-ben" not in rollups.days(days[2:3], Dimension.SELLER).get("2026-01-03", {})


def test_a_period_read_serves_the_later_reads_that_ask_for_no_other_counter(
    stored: tuple[Ledger, RollupStore],
) -> None:
    """The report's sellers and its identity coverage (their organic touches and points alone)
    share one read of the period's seller rollups; a read asking for more reads again."""
    ledger, rollups = stored
    ledger.record(
        [
            touch(Kind.COMMENT, iid=f"c{n}", actor=f"u{n}", seller=ANA, at=EPOCH + n * DAY)
            for n in (0, 2)
        ]
    )
    days = days_between(EPOCH.date(), (EPOCH + 2 * DAY).date())
    queries = Counter[str]()

    def count(params: dict[str, Any], **_: Any) -> None:
        queries[params["ExpressionAttributeValues"][":k"]["S"].split("#", 1)[1]] += 1

    events = clients.client("dynamodb").meta.events
    events.register("before-parameter-build.dynamodb.Query", count, unique_id="period-reads")
    try:
        sellers = rollups.period(days, Dimension.SELLER, tally.TOTALS)
        covered = rollups.period(days, Dimension.SELLER, (ORGANIC_TOUCHES, ORGANIC_POINTS))
        assert queries == {"seller": len(days)}  # one read, shared
        assert covered is sellers
        assert sellers["s-ana"]["organic_touches"] == 2
        rollups.period(days, Dimension.SELLER, tally.REACTIONS)  # not among those read
        rollups.period(days[:2], Dimension.SELLER, tally.TOTALS)  # other days
        assert queries == {"seller": 2 * len(days) + 2}
        everything = rollups.period(days, Dimension.SELLER)
        assert rollups.period(days, Dimension.SELLER, tally.REACTIONS) is everything
        assert queries == {"seller": 3 * len(days) + 2}
    finally:
        events.unregister("before-parameter-build.dynamodb.Query", unique_id="period-reads")


def test_a_rebuild_leaves_the_items_the_score_stage_left(
    stored: tuple[Ledger, RollupStore],
) -> None:
    """A table from before the rollups (no day items, no tally, no index keys) rebuilt from the
    ledger holds item for item what the score stage's own writes left."""
    ledger, _ = stored
    acts = [
        touch(
            Kind.COMMENT,
            iid=f"c{n}",
            actor=f"u{n % 3}",
            seller=(ANA, BEN)[n % 2],
            post_id=str(100 + n % 4),
            at=EPOCH + n * timedelta(hours=9),
        )
        for n in range(12)
    ]
    ledger.record([*acts])
    ledger.record([Withdrawal(acts[4].profile, acts[4].dedupe_key, EPOCH + 9 * DAY)])
    scores = ledger.scores_table
    Scores(scores).mark_hot(["x#u1"], Category.ORGANIC, "2026-01-03T09:00:00+00:00")
    written = {i["pk"]: i for i in dynamo.scan(scores)}
    assert any(pk.startswith("day#") for pk in written)
    old = [
        {
            "PutRequest": {
                "Item": dynamo.to_item(
                    {
                        n: v
                        for n, v in i.items()
                        if not n.startswith(TALLY) and n not in ("rollup", "rank")
                    }
                )
            }
        }
        for pk, i in written.items()
        if not pk.startswith("day#")
    ]
    dynamo.batch_write(scores, [{"DeleteRequest": {"Key": {"pk": {"S": pk}}}} for pk in written])
    dynamo.batch_write(scores, old)

    rebuild = Rebuild(ledger.ledger_table, scores, MODEL.half_life_seconds)
    for _ in rebuild.ledger_pages():
        pass
    for _ in rebuild.score_pages():
        pass
    assert {i["pk"]: i for i in dynamo.scan(scores)} == written
    assert Scores(scores).hot() == [("x#u1", "2026-01-03T09:00:00+00:00")]  # in its index again
