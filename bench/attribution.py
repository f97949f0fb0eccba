"""Algorithmic attribution benchmark: seconds and peak memory of one run of the attribution job
over 10k, 100k and 1M synthetic touches held in memory, and the time per touch between sizes.

The real ChannelAttributionJob's first build (every journey folded, its summary kept) runs
over in-memory repositories: one identity per contact, 1 to 19 organic and paid touches each
(10 on average) on 21 channels (20 sellers and unattributed), a won opportunity for one contact
in ten. Touches come from a shared pool of Touch objects, so
the input costs a pointer per touch and the peak measured is the job's own. Time is measured
without tracemalloc (which slows allocation), peak memory in a second, traced run.

    .venv/bin/python bench/attribution.py [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.touch import Touch
from socialscore.pipeline.channel_attribution import ChannelAttributionJob
from socialscore_local.memory.journey_state import MemoryJourneyState

AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
SELLERS = [f"s-{n:02}" for n in range(20)] + [None]
POOL = 20_000


def pool(rng: random.Random) -> list[Touch]:
    kinds, networks = list(Kind), list(Network)
    return [
        Touch(
            profile="x#pool",
            dedupe_key=f"i#{n}",
            interaction_id=f"iid-{n}",
            network=rng.choice(networks),
            kind=rng.choice(kinds),
            category=Category.PAID if rng.random() < 0.1 else Category.ORGANIC,
            weight=1.0,
            units=Decimal(1),
            occurred_at=AS_OF - timedelta(days=200, minutes=rng.randrange(200 * 24 * 60)),
            post=f"x#{n % 500}",
            own_post=None,
            seller_id=(seller := rng.choice(SELLERS)),
            team=None if seller is None else f"team-{int(seller[2:]) % 4}",
            intent_hits=(),
            model_version="bench",
        )
        for n in range(POOL)
    ]


class World:
    """Contacts, touches and opportunities in memory, as the job's repositories serve them."""

    def __init__(self, touches: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        shared = pool(rng)
        self.touches: dict[str, list[Touch]] = {}
        self.contacts: dict[str, list[str]] = {}
        count = 0
        while count < touches:
            contact = f"C-{len(self.contacts)}"
            n = min(rng.randint(1, 19), touches - count)
            self.contacts[contact] = [f"x#{contact}"]
            self.touches[f"x#{contact}"] = [shared[rng.randrange(POOL)] for _ in range(n)]
            count += n
        won = [c for c in self.contacts if rng.random() < 0.1]
        self.won = {
            f"O-{c}": Opportunity(
                id=f"O-{c}",
                contact_ids=[c],
                amount=Decimal("100.00"),
                currency="USD",
                created_at=AS_OF,
                modified_at=AS_OF,
                stage="Closed Won",
            )
            for c in won
        }
        self.saved: dict[str, Any] = {}

    def touches_of(self, profile: str) -> list[Touch]:
        return self.touches[profile]

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        return {i: i.removeprefix("x#") for i in identities}

    def identities_of(self, contact_id: str) -> list[str]:
        return self.contacts[contact_id]

    def every_opportunity(self) -> list[Opportunity]:
        return list(self.won.values())

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        return set(), set()

    def hold(self, since: datetime) -> None:
        pass

    def folded(self, since: datetime | None, until: datetime) -> None:
        pass

    def profiles_page(self, cursor: str, limit: int) -> tuple[list[str], str]:
        return list(self.touches), ""

    def save(self, version: str, as_of: str, result: dict[str, Any]) -> None:
        self.saved[version] = result


def run(world: World) -> dict[str, Any]:
    """A first build: every journey folded and its summary kept (in memory)."""
    job = ChannelAttributionJob(
        links=world,
        ledger=world,
        opportunities=world,
        changes=world,
        profiles=world,
        state=MemoryJourneyState(),
        store=world,
        model_version="bench",
        piece=10_000,
    )
    return job.run(AS_OF)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print(
        f"{'touches':>10} {'contacts':>9} {'journeys':>9} {'conv':>6} {'seconds':>8} "
        f"{'peak MiB':>9} {'us/touch':>9} {'x prev':>7}"
    )
    previous: float | None = None
    for size in args.sizes:
        world = World(size)
        started = time.perf_counter()
        result = run(world)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        run(world)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        per_touch = seconds / size * 1e6
        ratio = f"{per_touch / previous:.2f}" if previous else "-"
        previous = per_touch
        print(
            f"{size:>10} {len(world.contacts):>9} {result['journeys']:>9} "
            f"{result['conversions']:>6} {seconds:>8.2f} {peak / 2**20:>9.1f} "
            f"{per_touch:>9.2f} {ratio:>7}"
        )
    print("x prev: time per touch over the previous size's (1.00 = linear)")


if __name__ == "__main__":
    main()
