"""A deleted post's acts are taken back in two sweeps: the score stage finds them through the
ledger's by_own_post index, which DynamoDB keeps eventually consistent, so an act written just
before the deletion may not be found at once; the stage sweeps the post again a minute later
(pipeline.index_settle.SECOND_SWEEP_DELAY), and never a third time. Here the memory ledger's index
lags as DynamoDB's may (socialscore_local.memory.ledger: `index_lag`)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter

from socialscore.domain.aggregates import ProfileTotal
from socialscore.domain.interaction import Category, PostDeleted
from socialscore.domain.messages import SCORE_MESSAGE
from socialscore.pipeline.index_settle import SECOND_SWEEP_DELAY
from tests.unit.score_world import ScoreWorld
from tests.unit.test_engage_queue import NOW, own, reply

LAG = timedelta(seconds=5)  # the index a few seconds behind: well within the sweep's minute
SWEPT: TypeAdapter[PostDeleted] = TypeAdapter(PostDeleted)


def lagging() -> ScoreWorld:
    w = ScoreWorld(now=NOW)
    w.ledger.index_lag = LAG
    return w


def counted(w: ScoreWorld, actor: str) -> list[str]:
    return [t.interaction_id for t in w.ledger.touches_of(f"x#{actor}")]


def test_an_act_the_index_did_not_show_yet_is_taken_back_by_the_second_sweep() -> None:
    w = lagging()
    w.score([reply("u1", 1, 0)])  # a reply, its own post x#<own(1)>
    w.now = NOW + timedelta(seconds=1)  # its post deleted a second later

    w.score([PostDeleted(source="x", post=f"x#{own(1)}", occurred_at=w.now)])

    assert counted(w, "u1") == ["iid-u1-1"]  # the index did not show it yet: still counted
    [second] = w.later.sent
    assert second.delay == SECOND_SWEEP_DELAY
    sweep = SWEPT.validate_json(second.body)
    assert (sweep.post, sweep.sweep) == (f"x#{own(1)}", 2)

    w.now += timedelta(seconds=SECOND_SWEEP_DELAY)  # delivered a minute later
    w.score([SCORE_MESSAGE.validate_json(second.body)])

    assert counted(w, "u1") == []
    assert ProfileTotal("x#u1", Category.ORGANIC) not in w.scores.items  # it counts nothing
    assert len(w.later.sent) == 1  # no third sweep
