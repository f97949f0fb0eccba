"""The HubSpot stub's search index lags as HubSpot's does ("a few moments"): a write reaches
search about 2 s later even when no lag is asked for, so every test against the stub meets it
(the adapter's reads that cope with it: tests/integration/test_hubspot_faults.py). The stub's own
store, on a simulated clock: no server, no request. Moved from test_hubspot_faults.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.hubspot_api import Store
from tests.integration.test_hubspot import Clock

T = datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_a_write_reaches_search_a_few_seconds_late_unasked() -> None:
    clock = Clock(T)
    stub = HubSpotStub(store=Store(clock=clock))  # no lag asked for
    deal = {"id": "41", "amount": "10", "currency": "EUR"}
    stub.seed(deals=[deal | {"modified_at": T - timedelta(days=1)}])
    stub.touch_deal("41")  # edited at T

    def searched() -> str:
        return stub.store.searchable("deals")["41"]["hs_lastmodifieddate"]

    at_once = searched()
    clock.sleep(1.9)
    soon = searched()
    clock.sleep(0.1)
    later = searched()

    assert at_once == soon == "2026-11-19T09:00:00.000Z"  # as it was before the edit
    assert later == "2026-11-20T09:00:00.000Z"  # 2 s on, the index caught up
