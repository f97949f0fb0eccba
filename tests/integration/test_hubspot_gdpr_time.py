"""HubSpot's GDPR deletes (a call per contact, no batch) within a run's time, on the stub at
1 s a call on a simulated clock: they come last in a push, each made only while the run's time
allows one; a push out of time stops OUT_OF_TIME with the rest written, the contacts deleted so
far written and the others not, so a later push deletes only those."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialscore.crm.base import OUT_OF_TIME, CrmStopped, Push
from socialscore.domain import record_key as rk
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.hubspot_setup import setup
from tests.integration.test_hubspot import Sleeps, contacts, crm, deals, influence


@pytest.fixture
def ready() -> Iterator[tuple[HubSpotStub, Sleeps]]:
    """An account set up, whose calls take 1 s on the simulated clock its Sleeps keep."""
    sleeps = Sleeps()
    with HubSpotStub(latency=1.0, sleep=sleeps) as stub:
        setup(crm(stub))
        stub.seed(deals=deals(1), contacts=contacts(30))
        stub.calls.clear()
        sleeps.clear()  # the clock starts with the push
        yield stub, sleeps


def test_a_push_out_of_time_among_the_deletes_keeps_those_made(
    ready: tuple[HubSpotStub, Sleeps],
) -> None:
    stub, sleeps = ready
    erased = [str(7000 + k) for k in range(30)]
    deadline = 22.0  # seconds of calls the run may still make
    adapter = crm(stub, sleeps, gdpr_delete=True, time_left=lambda: deadline - sum(sleeps))
    push = Push(erased=erased, influences=[influence("1000")])

    with pytest.raises(CrmStopped) as stopped:
        adapter.push(push)

    assert stopped.value.reason == OUT_OF_TIME
    # The clear and the deal went first (2 calls); deletes while 10 s or more were left.
    deleted = stub.gdpr_deleted
    assert deleted == erased[: len(deleted)]
    assert len(deleted) == 22 - 10 - 2 + 1
    assert set(stopped.value.outcome.failed) == {rk.erased(c) for c in erased[len(deleted) :]}
    assert (stub.deal("1000") or {})["socialscore_attributed_amount"] == "250.00"

    rest = crm(stub, sleeps, gdpr_delete=True).push(Push(erased=erased[len(deleted) :]))
    assert rest.failed == {}
    assert stub.gdpr_deleted == erased
