"""crm_sync benchmark: how many scheduled runs a first run and a decay day take to converge at
100,000 and 1,000,000 contacts, per CRM path, on a simulated clock.

The real CrmSync runs, with its real time budget, against socialscore_local.memory's
in-memory stores (counting DynamoDB requests as the real ones make them, each `--dynamo-latency`
simulated seconds) and a CRM that counts calls as each path takes them, each `--latency`
simulated seconds (1 s by default: a slow org, or a busy HubSpot account):
- Salesforce collections: 200 records a call (sObject Collections), 1,000-contact slices;
- Salesforce Bulk: 10,000-contact slices, an object's records past 2,000 in one Bulk API 2.0
  job of six calls (create, upload, close, one poll, successful and failed results: the job is
  taken as done at its first poll, Salesforce documents no processing time; each further poll
  is one more call);
- HubSpot: its batch APIs' 100 records a call, 1,000-contact slices; deals searched 100 a page.
A run is one Lambda invocation of the template's 300 s timeout; the schedule starts one every 15
minutes. Python's own time is not counted (the simulated clock moves only by calls and
requests). The first run also reads every contact's ledger once (its last organic touch and
buckets); the decay day (the next UTC day, nothing else changed) reads none.

    .venv/bin/python bench/crm_sync.py [--latency 1] [--dynamo-latency 0.01] [--contacts N ...]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from socialscore.domain.opportunity import Opportunity
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_budget import Budget
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.pipeline.crm_work import SliceSize
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.crm import MemoryCrm
from socialscore_local.memory.crm_reads import MemoryIdentities, MemoryLedger, MemoryScores, share
from socialscore_local.memory.sync_state import MemorySyncState

MODEL = bundled()
DAY0 = datetime(2026, 11, 20, 6, tzinfo=UTC)
TIMEOUT = 300.0  # template.yaml's CrmSyncFunction Timeout
SCHEDULE = timedelta(minutes=15)  # the SyncSchedule default
OPPORTUNITIES = 1_000
PATHS = {
    "Salesforce collections": ("salesforce", SliceSize()),
    "Salesforce Bulk": ("salesforce-bulk", SliceSize(contacts=10_000, opportunities=500)),
    "HubSpot": ("hubspot", SliceSize()),
}
# A contact's touches: one of 180 patterns (1 to 3 shares over the last 60 days), shared, so a
# million contacts fit in memory.
POOL = {
    (days, count): [
        share("x#pool", n, DAY0 - timedelta(days=days + 7 * n), f"s-{n}", MODEL)
        for n in range(count)
    ]
    for days in range(1, 61)
    for count in (1, 2, 3)
}


def pattern(profile: str) -> tuple[int, int]:
    n = int(profile.removeprefix("x#"))
    return 1 + n % 60, 1 + n % 3


def touches(profile: str) -> list[Touch]:
    return POOL[pattern(profile)]


UNITS = {k: sum((t.units for t in v), Decimal(0)) for k, v in POOL.items()}


def units(profile: str) -> Decimal | None:
    return UNITS[pattern(profile)]


class Links(Mapping[str, list[str]]):
    """contact `003-<n>` -> [`x#<n>`], made on demand."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, contact: str) -> list[str]:
        n = int(contact.removeprefix("003-"))
        if not 0 <= n < self.n:
            raise KeyError(contact)
        return [f"x#{n}"]

    def __iter__(self) -> Iterator[str]:
        return (f"003-{n}" for n in range(self.n))

    def __len__(self) -> int:
        return self.n


@dataclass(frozen=True)
class Row:
    runs: int
    calls: int
    requests: int
    longest: float  # simulated seconds


def left(clock: Clock, began: float) -> Callable[[], float]:
    """A Lambda context's remaining time, on the simulated clock."""
    return lambda: TIMEOUT - (clock.seconds - began)


def converge(sync: CrmSync, crm: MemoryCrm, requests: Requests, start: datetime) -> Row:
    """Scheduled runs from `start` until one completes."""
    calls, before = crm.calls, requests.total()
    longest, runs = 0.0, 0
    complete = False
    while not complete:
        began = requests.clock.seconds
        at = start + runs * SCHEDULE
        sync.clock = lambda at=at: at  # type: ignore[misc]
        complete = sync.run(start, Budget(left(requests.clock, began))).complete
        longest = max(longest, requests.clock.seconds - began)
        runs += 1
    return Row(runs, crm.calls - calls, requests.total() - before, longest)


def scenario(contacts: int, path: str, size: SliceSize, latency: float, dynamo: float) -> list[Row]:
    clock = Clock()
    requests = Requests(clock, latency=dynamo)
    opps = [
        Opportunity(
            id=f"006-{o}",
            contact_ids=[f"003-{(o * 7919) % contacts}", f"003-{(o * 104729) % contacts}"],
            amount=Decimal("1000.00"),
            currency="USD",
            created_at=DAY0 - timedelta(days=30),
            modified_at=DAY0 - timedelta(days=1, minutes=o),
        )
        for o in range(OPPORTUNITIES)
    ]
    crm = MemoryCrm(opps, path=path, clock=clock, latency=latency)
    sync = CrmSync(
        crm,
        MemoryIdentities(requests, Links(contacts)),
        MemoryLedger(requests, touches),
        MemoryScores(requests, units, set()),
        MemorySyncState(requests),
        MODEL,
        size=size,
    )
    first = converge(sync, crm, requests, DAY0)
    decay = converge(sync, crm, requests, DAY0 + timedelta(days=1))
    return [first, decay]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=1.0, help="seconds a CRM call takes")
    parser.add_argument(
        "--dynamo-latency", type=float, default=0.01, help="seconds a DynamoDB request takes"
    )
    parser.add_argument("--contacts", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(
        f"{OPPORTUNITIES:,} opportunities; a CRM call {args.latency:g} s, a DynamoDB request "
        f"{args.dynamo_latency * 1000:g} ms; a run stops its slices within its {TIMEOUT:.0f} s "
        f"timeout (30 s reserve); runs every {SCHEDULE.seconds // 60} min"
    )
    print(
        f"{'contacts':>9}  {'CRM path':<22} {'run':<9} {'runs':>5} {'CRM calls':>9} "
        f"{'DynamoDB req':>12} {'longest run':>11}"
    )
    for contacts in args.contacts:
        for label, (path, size) in PATHS.items():
            rows = scenario(contacts, path, size, args.latency, args.dynamo_latency)
            for run, row in zip(("first", "decay day"), rows, strict=True):
                print(
                    f"{contacts:>9,}  {label:<22} {run:<9} {row.runs:>5} {row.calls:>9,} "
                    f"{row.requests:>12,} {row.longest:>7.0f} s / {TIMEOUT:.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
