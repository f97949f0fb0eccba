"""Complaints at the score stage, in memory (tests/unit/score_world.py): a crash between the
event and its flag announces again under the same id (at least once), and an erasure takes the
complaint's flag with the person's entries. Moved from the moto suite (tests/integration/
test_complaints.py keeps the path from the signed webhook to the bus, and what is stored)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialscore.domain.interaction import Erase, Kind
from socialscore.domain.ledger_rules import Key
from socialscore.domain.messages import Resolved
from socialscore.pipeline.complaints import DETAIL_TYPE
from socialscore_local.memory.complaint_flags import MemoryComplaintFlags
from tests.integration.support import ANA, POST_A, resolved
from tests.unit.score_world import ScoreWorld

ACTOR = "4004"
COMPLAINT = "2100000000000000009"  # the actor's reply to POST_A
AT = datetime(2026, 11, 18, 10, tzinfo=UTC)


def complaint() -> Resolved:
    """The reply as rehydrate leaves it: the phrases its own words hit."""
    message = resolved(
        1, kind=Kind.COMMENT, actor=ACTOR, post=POST_A, own_post=COMPLAINT, seller=ANA, at=AT
    )
    return message.model_copy(update={"complaint_hits": ["still broken", "worst"]})


class FlagsLost(MemoryComplaintFlags):
    """The flags' write fails `times` times, as a crash after the bus took the event would."""

    def __init__(self, world: ScoreWorld, times: int) -> None:
        super().__init__(world.ledger)
        self.times = times

    def mark(self, keys: list[Key]) -> None:
        if self.times:
            self.times -= 1
            raise ConnectionError("injected: the flags' write")
        super().mark(keys)


def test_a_crash_between_the_event_and_its_flag_announces_again_under_the_same_id() -> None:
    w = ScoreWorld()
    w.scorer.complaints = FlagsLost(w, times=1)
    with pytest.raises(ConnectionError):
        w.score([complaint()])  # the batch fails: SQS hands it back
    w.score([complaint()])
    w.score([complaint()])  # flagged now: nothing more to say

    ids = [d["id"] for kind, d in w.bus.events if kind == DETAIL_TYPE]
    assert len(ids) == 2  # at least once: a consumer dedupes by the id
    assert len(set(ids)) == 1


def test_an_erasure_takes_the_complaint_s_flag_with_the_entries() -> None:
    w = ScoreWorld()
    w.score([complaint()])

    def partition() -> list[Key]:
        return [k for k in w.ledger.items if k[0] == f"x#{ACTOR}"]

    assert len(partition()) == 2  # the act and its flag beside it
    w.score([Erase(event_id="erase-1", source="smms", identity=f"x#{ACTOR}", occurred_at=AT)])

    assert partition() == []
