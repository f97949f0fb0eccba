"""The day rollups on the table (moto): what the ledger's transactions leave (store.ledger),
read back from the `by_day` index (store.rollups), is what the memory reader recomputes from the
ledger's counted touches (socialscore_local.memory.rollups, domain.rollups.recompute): acts on
three days, one replaced by a report a day later (its delta moved out of its first day), one
withdrawn, a paid act apart. The same for the all-time post and seller counters."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from socialscore.domain.aggregates import TALLY
from socialscore.domain.decay import EPOCH, number
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.rollups import Dimension, days_between
from socialscore.domain.touch import Withdrawal
from socialscore.report import tally
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
    for only in (tally.REACTIONS, tally.TOTALS):
        for dimension in Dimension:
            assert rollups.days(days, dimension, only) == oracle.days(days, dimension, only)
            assert rollups.period(days, dimension, only) == oracle.period(days, dimension, only)
        for dimension in (Dimension.POST, Dimension.SELLER):
            assert rollups.all_time(dimension, only) == oracle.all_time(dimension, only)
    assert rollups.period(days, Dimension.SELLER, tally.REACTIONS) == {
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
