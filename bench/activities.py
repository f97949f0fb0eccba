"""Activities benchmark: API calls per 1,000 interactions taken to the people's records, per
target, against the bound ceil(n / the target's batch limit).

crm_sync's real activity step (pipeline/crm_activities.py) runs with in-memory ledger and sync
state, against each target's real adapter and its local stub over HTTP on 127.0.0.1 (the stub
enforcing the target's batch limit and error bodies), through four steps:
  new       N interactions of 50 contacts, none on their records yet;
  again     the same step run again, nothing new: no call is due;
  more      N/10 new interactions;
  withdrawn N/20 of them withdrawn (unlikes, deleted replies): HubSpot adds a "withdrawn"
            event each (it deletes no event), Salesforce reads their Ids then deletes them.
Calls are the stub's count of API requests (a token request included, where the target asks
for one first). Each target is a `Target` in TARGETS: a name, its batch limit and a context
that yields its adapter and makes the contacts exist.

    .venv/bin/python bench/activities.py [--interactions 1000]
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import urllib3

from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.hubspot_app_token import AppToken
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.hubspot_timeline import HubSpotTimeline, Templates
from socialscore.crm.marketo import MarketoCrm
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_activities import ActivitySync
from socialscore.pipeline.ports import ActivityLog
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.marketo import MarketoStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from socialscore_local.hubspot_timeline_setup import setup_timeline
from socialscore_local.marketo_setup import setup as marketo_setup
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.crm_reads import MemoryLedger, share
from socialscore_local.memory.sync_state import MemorySyncState

MODEL = bundled()
NOW = datetime(2026, 11, 20, 6, tzinfo=UTC)
CONTACTS = 50


@dataclass(frozen=True)
class Live:
    """A target's adapter on its running stub, the contacts' ids as it spells them, and its
    API call count so far."""

    log: ActivityLog
    contacts: list[str]
    calls: Callable[[], int]


@dataclass(frozen=True)
class Target:
    name: str
    batch: int  # what ceil(n / batch) is measured against
    start: Callable[[int], AbstractContextManager[Live]]  # contacts -> the live target


@contextmanager
def salesforce(contacts: int) -> Iterator[Live]:
    with SalesforceStub() as sf:
        ids = [sf.add_contact(f"003{n:015d}") for n in range(contacts)]
        crm = SalesforceCrm(
            lambda refresh: sf.credentials, sf.api_version, pool=urllib3.PoolManager(retries=False)
        )
        crm.changed_opportunities(NOW)  # as crm_sync uses it: session and org facts known
        yield Live(crm, ids, lambda: len(sf.calls))


@contextmanager
def hubspot(contacts: int) -> Iterator[Live]:
    with HubSpotStub() as hs:
        ids = [str(3_000_000 + n) for n in range(contacts)]
        hs.seed(contacts=[{"id": i} for i in ids])
        app = hs.timeline
        _, templates = setup_timeline(
            HubSpotApi(lambda refresh: hs.token, hs.url), app.app_id, app.developer_key
        )
        secret = {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": app.refresh_token,
        } | templates
        timeline = HubSpotTimeline(
            HubSpotApi(AppToken(lambda: secret, hs.url), hs.url), lambda: Templates.of(secret)
        )
        crm = HubSpotCrm(lambda refresh: hs.token, hs.url, timeline=timeline)
        before = len(hs.calls)
        yield Live(crm, ids, lambda: len(hs.calls) - before)


@contextmanager
def marketo(contacts: int) -> Iterator[Live]:
    """Set up as `crm-setup marketo` does; its first push reads the day's usage and the
    activity type's id once (a run's and a container's one call each), then adds 300 a call."""
    with MarketoStub(sleep=lambda s: None) as mk:
        ids = [str(3_000_000 + n) for n in range(contacts)]
        mk.seed_leads(int(i) for i in ids)
        crm = MarketoCrm(lambda refresh: mk.credentials, sleep=mk.clock.sleep, monotonic=mk.clock)
        marketo_setup(crm)
        before = len(mk.calls)
        yield Live(crm, ids, lambda: len(mk.calls) - before)


TARGETS = [
    Target("Salesforce (Social_Activity__c)", SalesforceCrm.activity_batch, salesforce),
    Target("HubSpot (timeline events)", HubSpotCrm.activity_batch, hubspot),
    Target("Marketo (custom activities)", MarketoCrm.activity_batch, marketo),
]


@dataclass(frozen=True)
class Step:
    name: str
    activities: int  # pushed or removed
    calls: int
    bound: int  # ceil(activities / batch)


def run(target: Target, interactions: int) -> list[Step]:
    with target.start(CONTACTS) as live:
        profiles = {c: [f"x#{n}"] for n, c in enumerate(live.contacts)}
        ledger: dict[str, list[Touch]] = {p[0]: [] for p in profiles.values()}
        serial = 0

        def add(count: int) -> None:
            nonlocal serial
            for _ in range(count):
                profile = f"x#{serial % CONTACTS}"
                at = NOW - timedelta(minutes=serial)
                ledger[profile].append(share(profile, serial, at, "s-ana", MODEL))
                serial += 1

        requests = Requests(Clock())
        step = ActivitySync(
            live.log, MemoryLedger(requests, lambda p: ledger[p]), MemorySyncState(requests)
        )
        steps: list[Step] = []

        def measure(name: str, removing: bool = False) -> None:
            before = live.calls()
            done = step(profiles, [], NOW)
            assert not done.failed, done.failed
            moved = done.removed if removing else done.pushed
            steps.append(Step(name, moved, live.calls() - before, math.ceil(moved / target.batch)))

        add(interactions)
        measure("new")
        measure("again")
        add(interactions // 10)
        measure("more")
        for n in range(interactions // 20):
            ledger[f"x#{n % CONTACTS}"].pop()
        measure("withdrawn", removing=True)
        return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1_000)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the adapters' usage lines: quiet
    print(f"{'target':34} {'batch':>5} {'step':10} {'activities':>10} {'calls':>6} {'bound':>6}")
    for target in TARGETS:
        for s in run(target, args.interactions):
            print(
                f"{target.name:34} {target.batch:5} {s.name:10} {s.activities:10} "
                f"{s.calls:6} {s.bound:6}"
            )


if __name__ == "__main__":
    main()
