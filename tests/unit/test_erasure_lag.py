"""An erasure by contact right after a link: the contact's identities are read from the
identities' by_contact index, which may not show the link yet; the erasure looks again a minute
later (its second sweep, on the score queue with a delay), and takes what it finds then: the
identity's link, its touches and scores go. The identity links' fake lags as the index may
(`index_lag`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter

from socialscore.domain.interaction import Erase, Kind
from socialscore.domain.messages import SCORE_MESSAGE
from socialscore.pipeline.index_settle import SECOND_SWEEP_DELAY
from socialscore_local.memory.identities import MemoryIdentityLinks
from tests.integration.support import POST_A, identify, resolved
from tests.unit.score_world import ScoreWorld

NOW = datetime(2026, 11, 21, 12, 3, tzinfo=UTC)
SWEPT: TypeAdapter[Erase] = TypeAdapter(Erase)


def linked_then_erased(lag: timedelta) -> ScoreWorld:
    """u1 linked to C-1 and counted, then C-1 erased half a second after the link."""
    links = MemoryIdentityLinks(index_lag=lag)
    w = ScoreWorld(now=NOW, links=links)
    links.clock = lambda: w.now
    links.link([identify(1, user="u1", contact="C-1", at="2026-11-21T12:02:59Z")])
    w.score([resolved(1, kind=Kind.LIKE, actor="u1", post=POST_A, contact="C-1")])
    w.now = NOW + timedelta(milliseconds=500)
    w.score([Erase(event_id="er-1", source="smms", contact_id="C-1", occurred_at=w.now)])
    return w


def test_a_link_the_index_did_not_show_yet_is_erased_by_the_second_sweep() -> None:
    w = linked_then_erased(timedelta(seconds=2))
    assert "x#u1" in w.links.items  # the first sweep did not see it
    [second] = w.later.sent
    assert second.delay == SECOND_SWEEP_DELAY
    assert (
        SWEPT.validate_json(second.body).contact_id,
        SWEPT.validate_json(second.body).sweep,
    ) == (
        "C-1",
        2,
    )

    w.now += timedelta(seconds=SECOND_SWEEP_DELAY)  # delivered a minute later
    w.score([SCORE_MESSAGE.validate_json(second.body)])

    assert w.links.items == {}
    assert w.ledger.touches_of("x#u1") == []
    assert (w.sync.erasures, w.sync.erased_profiles) == ({"C-1"}, {"x#u1"})
    assert len(w.later.sent) == 1  # no third sweep


def test_a_second_sweep_that_finds_nothing_changes_nothing() -> None:
    w = linked_then_erased(timedelta(0))
    assert w.links.items == {}
    assert w.ledger.touches_of("x#u1") == []
    w.sync.done(["C-1"], ["x#u1"])  # crm_sync took the erasure meanwhile
    [second] = w.later.sent

    w.now += timedelta(seconds=SECOND_SWEEP_DELAY)
    w.score([SCORE_MESSAGE.validate_json(second.body)])

    assert (w.sync.erasures, w.sync.erased_profiles) == (set(), set())  # the CRM not asked again
    assert len(w.later.sent) == 1
