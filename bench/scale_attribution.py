"""The attribution job at a big customer's size: the old full pass beside a day of the new one.

The real job (pipeline.channel_attribution) runs over in-memory repositories that charge each
call as DynamoDB would (`Metered`): read units (a Query's or Scan's page 0.5 per 4 KB; a
GetItem's or BatchGetItem's item 0.5 per 4 KB, 1 when consistent), write units (1 per KB of an
item written, 1 a delete), bytes read and calls, the items sized as the stores write them (a
ledger entry is sized from store.ledger_items' item). Not moto: moto's Query sorts the whole
table on every call (moto.dynamodb Table.all_items), 0.56 s a Query at 3,000 ledger items, so a
job making a Query per profile cannot be timed there at 100,000 profiles.

The state: `profiles` profiles with 1 to 19 touches (10 on average, 10 % paid) on 50 sellers,
30 % of them linked to a contact (one identity each), one linked contact in ten with a won deal.

- old: the job as it was: a Scan of the identities, the linked contacts' opportunities, one
  Query per linked identity, every journey folded (anonymous profiles left out).
- new: one day of the incremental job after its first build: 1 profile in 9 got a touch that
  day (10 touches a profile over 90 days: at most 1 in 9 touched a day), marked changed.
- first build: the new job's one-off walk over every touched profile (several runs at 1M).

wall_s is the job's own time in Python plus `LATENCY` per call
(DynamoDB answers in single-digit milliseconds), the job's reader threads' calls READERS at a
time; peak_mb is what Python allocated (tracemalloc, in a second identical run: tracing slows
Python down several times). `measure` gives bench/scale.py
its rows; run alone it prints 10,000 and 100,000 profiles and 1,000,000 profiles (10,000,000
touches) extrapolated along the line through them, with the formula and the cost of a run.

    .venv/bin/python bench/scale_attribution.py [--profiles 10000 100000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from metered_journeys import (
    BUILT,
    MEMORY_GB,
    PRICE_GB_S,
    PRICE_RRU,
    PRICE_WRU,
    Meter,
    MeteredState,
    World,
    the_day,
    world,
)

from socialscore.domain.journey_units import WonDeal, every_journey
from socialscore.domain.journeys import markov, shapley
from socialscore.pipeline.channel_attribution import ChannelAttributionJob
from socialscore.pipeline.journey_fold import READERS

LATENCY = 0.008  # s a DynamoDB call, as the Lambda sees it
BIG = 1_000_000


def job(w: World, state: MeteredState) -> ChannelAttributionJob:
    return ChannelAttributionJob(
        links=w, ledger=w, opportunities=w, changes=w, profiles=w, state=state, store=w,
        model_version="bench",
    )  # fmt: skip


def old_pass(w: World) -> object:
    """The job as it was: every linked contact, their won deals, each identity's touches."""
    contacts = w.all_contacts()
    found = w.opportunities_of_and_read(contacts)
    deals = {o.id: WonDeal(o.id, o.created_at, tuple(o.contact_ids)) for o in found}
    touches = {p: w.touches_of(p) for ps in contacts.values() for p in ps}
    links = {p: c for c, ps in contacts.items() for p in ps}
    stats = every_journey(touches, links, deals, "seller")
    return markov(stats), shapley(stats)


def measured(
    meter: Meter, variant: str, run: Callable[[], object], traced: bool
) -> dict[str, object]:
    """One run's figures; `traced`: its peak memory only (tracemalloc slows Python down)."""
    meter.read_units, meter.write_units, meter.bytes = 0.0, 0.0, 0
    meter.calls = meter.side_calls = 0
    if traced:
        tracemalloc.start()
        run()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return {"peak_mb": peak}
    started = time.perf_counter()
    run()
    own = time.perf_counter() - started
    waits = meter.calls - meter.side_calls * (1 - 1 / READERS)  # calls one after the other
    return {
        "path": "attribution", "variant": variant, "read_units": meter.read_units,
        "bytes": meter.bytes, "wall_s": own + waits * LATENCY,
        "write_units": meter.write_units, "calls": meter.calls,
    }  # fmt: skip


def one_pass(profiles: int, traced: bool) -> list[dict[str, object]]:
    meter = Meter()
    w, state = world(profiles, meter), MeteredState(meter)
    old = measured(meter, "old", lambda: old_pass(w), traced)
    first = measured(meter, "first build", lambda: job(w, state).run(BUILT), traced)
    the_day(w)
    day = measured(meter, "new", lambda: job(w, state).run(BUILT + timedelta(days=1)), traced)
    return [old, day, first]


def runs(profiles: int) -> list[dict[str, object]]:
    """old, a day of new, and new's first build: timed and metered in one world, their peak
    memory in a second, identical one."""
    timed, peaks = one_pass(profiles, traced=False), one_pass(profiles, traced=True)
    return [t | p for t, p in zip(timed, peaks, strict=True)]


def measure(profiles: int) -> list[dict[str, object]]:
    """bench/scale.py's rows: the old full pass and a day of the new job, at this size."""
    return [row for row in runs(profiles) if row["variant"] in ("old", "new")]


def dollars(row: dict[str, Any]) -> float:
    units = row["read_units"] * PRICE_RRU + row["write_units"] * PRICE_WRU
    return float(units + row["wall_s"] * MEMORY_GB * PRICE_GB_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, nargs=2, default=[10_000, 100_000])
    small, large = parser.parse_args().profiles
    rows: dict[int, list[dict[str, Any]]] = {n: runs(n) for n in (small, large)}
    keys = ("read_units", "write_units", "bytes", "calls", "peak_mb", "wall_s")
    print(f"{'variant':>12} {'profiles':>10} {'read units':>11} {'write units':>11} "
          f"{'MB read':>8} {'calls':>8} {'peak MB':>8} {'wall s':>8} {'$ a run':>8}")  # fmt: skip
    for i, row in enumerate(rows[small]):
        other = rows[large][i]
        fit = {}
        for k in keys:
            slope = (float(other[k]) - float(row[k])) / (large - small)
            fit[k] = (float(row[k]) - slope * small, slope)
        at_big = row | {k: a + b * BIG for k, (a, b) in fit.items()}
        for n, r in ((small, row), (large, other), (BIG, at_big)):
            print(
                f"{r['variant']:>12} {n:>10,} {r['read_units']:>11,.0f} {r['write_units']:>11,.0f}"
                f" {r['bytes'] / 2**20:>8.1f} {r['calls']:>8,.0f} {r['peak_mb']:>8.1f}"
                f" {r['wall_s']:>8.1f} {dollars(r):>8.4f}"
            )
        for k in keys:
            print(f"{'':>14}{k} = {fit[k][0]:,.4g} + {fit[k][1]:.4g} x profiles")
    print(f"{BIG:,} profiles ({BIG * 10:,} touches): along the line through the two sizes")


if __name__ == "__main__":
    main()
