"""Every read path at a big customer's size: the old scan beside the new index and rollup reads.

Builds a state directly in the tables of the local runtime (moto's own put, the items the
score stage would leave: ledger entries, profile items with their tally, post and seller
counters, day rollups, hot-lead flags; not through the pipeline), `--touches` touches a profile
on 90 days, 2,000 posts, 50 sellers in 5 teams. Then measures each read path once, old and new:
the items' bytes read and the read units DynamoDB would charge (4 KB per unit of a Scan's or
Query's page, per item of a BatchGetItem; eventually consistent halves them), the peak memory
Python allocated during the read (tracemalloc) and the wall time on moto.

At 10,000 and 100,000 profiles for real, then each figure extrapolated to 1,000,000 profiles
(10,000,000 touches) along the line through the two (printed as `a + b x profiles`), against the
timeout and memory in template.yaml of the function that serves the path (the CLI's reads
against the API function's, an interactive budget), asking for 3x headroom. bench/
scale_attribution.py's rows (the attribution job's, issue 24's item 3) are printed too when it
is there.

    .venv/bin/python bench/scale.py [--profiles 10000 100000] [--touches 10]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table as MotoTable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from socialscore.aws import clients
from socialscore.domain.aggregates import Aggregates, ProfileTotal, coalesce
from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.rollups import Dimension, days_between
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger import Ledger
from socialscore.store.ledger_items import item_of
from socialscore.store.rollups import RollupStore
from socialscore.store.scores import Scores, index_attributes, item_key
from socialscore.wiring.reads import engage_reader
from socialscore_local.http_api import ACCOUNT
from socialscore_local.runtime import LocalRuntime
from socialscore_local.sqs_events import REGION
from socialscore_ops.template import Template

MODEL = bundled()
AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
DAYS, POSTS, SELLERS, TEAMS, TOP = 90, 2000, 50, 5, 50
KINDS = [(Kind.LIKE, 60), (Kind.COMMENT, 15), (Kind.SHARE, 10), (Kind.QUOTE, 5), (Kind.CLICK, 10)]
BIG = 1_000_000
# us-east-1 on-demand, a read request unit (aws.amazon.com/dynamodb/pricing/on-demand/, 2026-11)
PRICE_RRU = 0.125e-6
TEMPLATE = Template.read(Path(__file__).resolve().parents[1] / "template.yaml")
# Which function serves each path (the CLI's reads: the engage API function's budget, an
# interactive one).
SERVED_BY = {
    "report": "ReportFunction",
    "leaderboard": "EngageFunction",
    "posts": "EngageFunction",
    "hot leads": "EngageFunction",
    "top profiles": "EngageFunction",
    "engage": "EngageFunction",
    "attribution": "AttributionFunction",
}


def build(rt: LocalRuntime, profiles: int, per_profile: int, seed: int = 7) -> None:
    """The tables as the score stage would leave them for this many profiles."""
    rng = random.Random(seed)
    ledger, scores = rt.table("LedgerTable"), rt.table("ScoresTable")
    sellers = [(f"s-{n:02d}", f"team-{n % TEAMS}") for n in range(SELLERS)]
    posts = [(f"x#{9_000_000 + p}", sellers[p % SELLERS] if p % 4 else None) for p in range(POSTS)]
    weights = [1 / (rank + 1) for rank in range(POSTS)]
    kinds, shares = zip(*KINDS, strict=True)
    shared = Aggregates()  # posts', sellers' and days' counters, summed over every chunk
    for start in range(0, profiles, 2000):
        touches = []
        for p in range(start, min(profiles, start + 2000)):
            for n in range(rng.randint(1, 2 * per_profile - 1)):
                (post, seller), kind = rng.choices(posts, weights)[0], rng.choices(kinds, shares)[0]
                at = AS_OF - timedelta(minutes=rng.randrange(DAYS * 24 * 60))
                category = Category.PAID if rng.random() < 0.1 else Category.ORGANIC
                weight = MODEL.weight(category, kind, Network.X, 0)
                touches.append(
                    Touch(
                        f"x#{p}", f"i#{p}-{n}", f"{p}-{n}", Network.X, kind, category, weight,
                        units(weight, at, MODEL.half_life_seconds), at, post, None,
                        seller[0] if seller else None, seller[1] if seller else None, (),
                        MODEL.version,
                    )
                )  # fmt: skip
        put(ledger, [item_of(t.profile, t.dedupe_key, LedgerEntry(t)) for t in touches])
        agg = coalesce(touches, [])
        items = []
        for key, counters in agg.counters.items():
            if isinstance(key, ProfileTotal):
                item = {"pk": item_key(key), **counters, **index_attributes(key)}
                if key.category is Category.ORGANIC and rng.random() < 0.01:
                    item["hot_since"] = (AS_OF - timedelta(hours=rng.randrange(2000))).isoformat()
                items.append(item)
            else:
                for name, amount in counters.items():
                    shared.add(key, name, amount)
        shared.teams |= agg.teams
        put(scores, items)
    put(
        scores,
        [
            {"pk": item_key(k), **c, **index_attributes(k, shared.teams.get(k))}
            for k, c in shared.counters.items()
        ],
    )


def put(table: str, items: list[dict[str, Any]]) -> None:
    """Straight into moto's table: BatchWriteItem through boto3 takes about 5 ms an item here,
    and only the reads are measured."""
    held = dynamodb_backends[ACCOUNT][REGION].get_table(table)
    for item in items:
        held.put_item(dynamo.to_item(item))


def quick_moto() -> None:
    """moto answers every Scan page and every Query of an index by sorting the whole table
    (Table.all_items), then filtering it: costs DynamoDB does not have, which would make a
    scan quadratic and an index read as slow as a scan. Here, in this bench's process only, the
    sorted items are kept while the table's size stays the same (nothing writes while the
    reads are measured), and an index Query walks only the items holding its key's value (the
    same answer: the items it would have kept), grouped once."""
    original, every = MotoTable.query, MotoTable.all_items
    groups: dict[tuple[int, str], dict[Any, list[Any]]] = {}
    kept: dict[int, tuple[int, list[Any]]] = {}

    def all_items(self: Any) -> list[Any]:
        size = sum(len(v) if isinstance(v, dict) else 1 for v in self.items.values())
        if kept.get(id(self), (-1, []))[0] != size:
            kept[id(self)] = (size, every(self))
        return kept[id(self)][1]

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        conditions = kwargs.get("hash_key_conditions") or []
        index = kwargs.get("index_name") or (args[7] if len(args) > 7 else None)
        if not index or len(conditions) != 1:
            return original(self, *args, **kwargs)
        name, value = conditions[0]
        key = (id(self), name)
        if key not in groups:
            grouped: dict[Any, list[Any]] = {}
            for item in all_items(self):
                if (held := item.attrs.get(name)) is not None:
                    grouped.setdefault(held.value, []).append(item)
            groups[key] = grouped
        mine = groups[key].get(value.value, [])
        self.all_items = lambda: mine  # this call only
        try:
            return original(self, *args, **kwargs)
        finally:
            del self.all_items

    if not getattr(MotoTable, "_scale_quick", False):  # methods replaced: mypy refuses `=`
        setattr(MotoTable, "query", query)  # noqa: B010
        setattr(MotoTable, "all_items", all_items)  # noqa: B010
        setattr(MotoTable, "_scale_quick", True)  # noqa: B010


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it, about: names, strings, numbers (digits / 2)."""

    def size(v: dict[str, Any]) -> int:
        (kind, value), = v.items()  # fmt: skip
        if kind == "S":
            return len(value.encode())
        if kind == "N":
            return len(value.lstrip("-").replace(".", "")) // 2 + 1
        if kind in ("L",):
            return 3 + sum(size(x) for x in value)
        if kind == "M":
            return 3 + sum(len(k) + size(x) for k, x in value.items())
        return 1

    return sum(len(name) + size(value) for name, value in item.items())


class Meter:
    """Bytes read and read units, from the answers of every DynamoDB read."""

    def __init__(self) -> None:
        self.bytes = 0
        self.units = 0.0

    def __call__(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Scan", "Query"):
            page = sum(item_bytes(i) for i in parsed.get("Items", []))
            self.bytes += page
            self.units += max(1, -(-page // 4096)) * 0.5  # ConsistentRead off on these reads
        elif model.name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                for i in items:
                    size = item_bytes(i)
                    self.bytes += size
                    self.units += -(-size // 4096)  # the score-side reads are consistent: 1


def paths(rt: LocalRuntime) -> dict[str, dict[str, Callable[[], object]]]:
    scores, rollups = Scores(rt.table("ScoresTable")), RollupStore(rt.table("ScoresTable"))
    ledger = Ledger(rt.table("LedgerTable"), rt.table("ScoresTable"))
    period = days_between((AS_OF - timedelta(days=60)).date(), (AS_OF - timedelta(days=1)).date())

    def report_new() -> object:
        for d in (Dimension.SELLER, Dimension.POST):
            rollups.period(period[:30], d), rollups.period(period[30:], d)
        return rollups.days(period, Dimension.NETWORK), scores.hot()[:TOP], scores.top(TOP)

    def scan() -> object:
        """The old leaderboard's, posts', hot leads' and top profiles' read, the same scan of
        the scores table (then a sum, a filter or a sort in memory): measured once."""
        return scores.read_all()

    engage = engage_reader(rt.table)
    return {
        "report": {
            "old": lambda: (scores.read_all(), ledger.every_touch()),
            "new": report_new,
        },
        "leaderboard": {"old": scan, "new": lambda: rollups.all_time(Dimension.SELLER)},
        "posts": {"old": scan, "new": lambda: rollups.all_time(Dimension.POST)},
        "hot leads": {"old": scan, "new": scores.hot},
        "top profiles": {"old": scan, "new": lambda: scores.top(TOP)},
        "engage": {"new": lambda: engage.queue(MODEL, AS_OF, 20)},
    }


def measure(profiles: int, per_profile: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with LocalRuntime(Path(tempfile.mkdtemp(prefix="scale-"))) as rt:
        started = time.perf_counter()
        build(rt, profiles, per_profile)
        print(f"  built {profiles:,} profiles in {time.perf_counter() - started:.0f} s")
        quick_moto()
        meter = Meter()
        # On the client the stores read with (socialscore.aws.clients), not the runtime's own.
        clients.client("dynamodb").meta.events.register("after-call.dynamodb", meter)
        done: dict[int, dict[str, Any]] = {}  # a read already measured, by its function
        for path, variants in paths(rt).items():
            for variant, read in variants.items():
                if id(read) in done:
                    rows.append(done[id(read)] | {"path": path, "variant": variant})
                    continue
                meter.bytes, meter.units = 0, 0.0
                tracemalloc.start()
                started = time.perf_counter()
                read()
                wall = time.perf_counter() - started
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                rows.append(
                    {"path": path, "variant": variant, "read_units": meter.units,
                     "bytes": meter.bytes, "peak_mb": peak, "wall_s": wall}
                )  # fmt: skip
                done[id(read)] = rows[-1]
    return rows


def attribution_rows(profiles: int) -> list[dict[str, Any]]:
    """bench/scale_attribution.py's rows, when that module is there."""
    where = Path(__file__).resolve().parent / "scale_attribution.py"
    if not where.exists():
        return []
    spec = importlib.util.spec_from_file_location("scale_attribution", where)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows: list[dict[str, Any]] = module.measure(profiles)
    return rows


def limits(function: str) -> tuple[float, float]:
    """(timeout s, memory MB) of a function in template.yaml, the Globals' where it names none."""
    props = TEMPLATE.of_type("AWS::Serverless::Function")[function]
    glob = TEMPLATE.document.get("Globals", {}).get("Function", {})
    return float(props.get("Timeout", glob.get("Timeout", 3))), float(
        props.get("MemorySize", glob.get("MemorySize", 128))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--touches", type=int, default=10, help="touches a profile, on average")
    args = parser.parse_args()
    small, large = args.profiles
    runs = {}
    for n in (small, large):
        print(f"{n:,} profiles, about {n * args.touches:,} touches")
        runs[n] = measure(n, args.touches) + attribution_rows(n)
    keys = ("read_units", "bytes", "peak_mb", "wall_s")
    print(f"\n{'path':>13} {'':>3} {'profiles':>9} {'read units':>11} {'MB read':>9} ", end="")
    print(f"{'peak MB':>8} {'wall s':>8}")
    for i, row in enumerate(runs[small]):
        other = runs[large][i]
        fitted = {}
        for k in keys:
            b = (float(other[k]) - float(row[k])) / (large - small)
            fitted[k] = (float(row[k]) - b * small, b)
        print(_line(row, small))
        print(_line(other, large))
        at = row | {k: a + b * BIG for k, (a, b) in fitted.items()}
        timeout, memory = limits(SERVED_BY[str(row["path"])])
        fits = at["wall_s"] * 3 <= timeout and at["peak_mb"] * 3 <= memory
        print(_line(at, BIG), "ok" if fits else "OVER", end=" ")
        print(f"3x of {timeout:.0f} s, {memory:.0f} MB ({SERVED_BY[str(row['path'])]})")
        for k in keys:
            a, b = fitted[k]
            print(f"{'':>17}{k} = {a:,.4g} + {b:.4g} x profiles")
    for variant in ("old", "new"):
        units = [_units(runs[n], variant) for n in (small, large)]
        big = units[0] + (units[1] - units[0]) / (large - small) * (BIG - small)
        print(
            f"the report's reads a day, {variant}: {units[1]:,.0f} read units at {large:,}", end=""
        )
        print(f" profiles, {big:,.0f} at {BIG:,}: ${big * PRICE_RRU:.4f} a day")


def _line(row: dict[str, Any], n: int) -> str:
    return (
        f"{row['path']:>13} {row['variant']:>3} {n:>9,} {float(row['read_units']):>11,.0f} "
        f"{float(row['bytes']) / 2**20:>9.1f} {float(row['peak_mb']):>8.1f} "
        f"{float(row['wall_s']):>8.2f}"
    )


def _units(rows: list[dict[str, Any]], variant: str) -> float:
    return sum(
        float(r["read_units"]) for r in rows if (r["path"], r["variant"]) == ("report", variant)
    )


if __name__ == "__main__":
    main()
