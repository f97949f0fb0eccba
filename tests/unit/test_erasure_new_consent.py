"""An erasure takes what the erased person had consented to up to the erasure, not a link given
since (consent given again: resolve records a link dated after the erasure). The second sweep of
an erasure by contact comes a minute after the first: a link the contact made again in that
minute, and the touches counted under it, stay; the CRM is not asked to clear the contact
again. (The first sweep takes every identity linked when it runs, as a replay of it would.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialscore.domain.interaction import Erase, Kind
from socialscore.domain.messages import SCORE_MESSAGE
from socialscore.pipeline.erasure import SECOND_SWEEP_DELAY
from tests.integration.support import POST_A, POST_B, identify, resolved
from tests.unit.score_world import ScoreWorld

ERASED_AT = datetime(2026, 11, 21, 12, 3, tzinfo=UTC)


def test_the_second_sweep_leaves_a_link_given_again_after_the_erasure() -> None:
    w = ScoreWorld(now=ERASED_AT)
    w.links.link([identify(1, user="u1", contact="C-1", at="2026-11-21T12:00:00Z")])
    w.score([resolved(1, kind=Kind.LIKE, actor="u1", post=POST_A, contact="C-1")])
    w.score([Erase(event_id="er-1", source="smms", contact_id="C-1", occurred_at=ERASED_AT)])
    assert w.links.items == {}
    w.sync.done(["C-1"], ["x#u1"])  # crm_sync took the erasure
    [second] = w.later.sent

    # Thirty seconds later the person opts in again, with both X accounts, and likes a post.
    again = ERASED_AT + timedelta(seconds=30)
    w.links.link([identify(2, user="u2", contact="C-1", at=again)])
    w.links.link([identify(3, user="u1", contact="C-1", at=again)])
    w.score([resolved(2, kind=Kind.LIKE, actor="u2", post=POST_B, contact="C-1", at=again)])
    w.now = ERASED_AT + timedelta(seconds=SECOND_SWEEP_DELAY)
    w.score([SCORE_MESSAGE.validate_json(second.body)])

    assert w.links.contacts_of(["x#u1", "x#u2"]) == {"x#u1": "C-1", "x#u2": "C-1"}
    assert [t.interaction_id for t in w.ledger.touches_of("x#u2")] == ["iid-2"]
    assert (w.sync.erasures, w.sync.erased_profiles) == (set(), set())
