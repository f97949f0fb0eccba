"""A complaint becomes one case (Salesforce) or ticket (HubSpot) per act across crm_sync's runs, in
memory: the score stage and crm_sync on the fakes (tests/unit/score_world.py), the CRM a
MemoryCrm on each CRM's path, holding a case by its key as the adapters find it. Two runs and a
re-delivery of the act open one case; an anonymous complaint's case is opened once its profile
is linked. Moved from tests/integration/test_complaint_cases.py, which keeps the adapters
against the stubs and a run stopped at the case's create on moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialscore.domain.interaction import Kind
from socialscore.domain.messages import Resolved
from socialscore.domain.record_key import RecordKind
from socialscore.pipeline.crm_sync import SyncReport
from socialscore.pipeline.resolution import relink
from socialscore_local.memory.crm import MemoryCrm
from tests.integration.support import ANA, POST_A, identify, resolved
from tests.unit.score_world import MODEL, ScoreWorld

ACTOR, CONTACT = "4004", "C-4"
COMPLAINT = "2100000000000000009"  # the actor's reply to POST_A
AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
AT = datetime(2026, 11, 18, 10, tzinfo=UTC)


def act(n: int, contact: str | None, kind: Kind = Kind.COMMENT) -> Resolved:
    """The complaining reply as resolve sends it on (an act's interaction id is the same under
    any SMMS event id: sources.smms), or another act of the same actor."""
    own = COMPLAINT if kind is Kind.COMMENT else None
    message = resolved(
        n, kind=kind, actor=ACTOR, post=POST_A, own_post=own, seller=ANA, contact=contact, at=AT
    )
    hits = ["still broken", "worst"] if kind is Kind.COMMENT else []
    return message.model_copy(update={"complaint_hits": hits})


class Runs:
    """crm_sync's scheduled runs over the world, each a minute after what came before."""

    def __init__(self, w: ScoreWorld, crm: MemoryCrm) -> None:
        self.w, self.crm = w, crm

    def sync(self) -> SyncReport:
        self.w.now += timedelta(minutes=1)
        report = self.w.crm_sync(self.crm, MODEL, lambda: self.w.now).run(AS_OF)
        assert report.failed == {}
        return report

    def link(self) -> None:
        """The actor's identify event, as the resolve stage records it."""
        self.w.now += timedelta(minutes=1)
        relink(
            [identify(1, user=ACTOR, contact=CONTACT)], [], self.w.links, self.w.sync, self.w.now
        )

    def deliver(self, *messages: Resolved) -> None:
        self.w.now += timedelta(minutes=1)
        self.w.score(messages)

    def opened(self) -> list[str]:
        return [str(k) for k in self.crm.held if k.kind is RecordKind.COMPLAINT]


@pytest.mark.parametrize("path", ["salesforce", "hubspot"])
def test_one_case_per_complaint_across_runs_and_re_deliveries(path: str) -> None:
    runs = Runs(ScoreWorld(), MemoryCrm([], path=path))
    runs.link()
    runs.deliver(act(1, CONTACT))
    runs.deliver(act(1, CONTACT))  # the webhook sent again

    opened = [runs.sync().complaints, runs.sync().complaints]
    runs.deliver(act(1, CONTACT), act(3, CONTACT, Kind.LIKE))  # the act again, and a like
    opened.append(runs.sync().complaints)  # the contact is read again: its case is known pushed

    assert opened == [1, 0, 0]
    assert len(runs.opened()) == 1


@pytest.mark.parametrize("path", ["salesforce", "hubspot"])
def test_an_anonymous_complaint_gets_its_case_once_its_profile_is_linked(path: str) -> None:
    runs = Runs(ScoreWorld(), MemoryCrm([], path=path))
    runs.deliver(act(1, None))
    assert runs.sync().complaints == 0  # no contact to hang a case on yet
    assert runs.opened() == []

    runs.link()

    assert runs.sync().complaints == 1
    assert len(runs.opened()) == 1
