"""Every read path at a big customer's size: the old scan beside the new reads, on the local
runtime, through the entry points the product uses.

A state is built straight into the runtime's moto tables (bench/scale_seed.py: every item from
the stores' own builders, not through the pipeline; moto's reads made to walk only what they
keep, bench/scale_moto.py), then each read path is run once in a process of its own
(bench/scale_measure.py): DynamoDB calls, read units and bytes as DynamoDB charges them, peak
memory (tracemalloc, in a second run beside it), wall and CPU time on moto, and the Lambda's
likely time (the CPU time without moto's share, plus 8 ms a call).

- new: what the product runs today. The report: the ReportFunction's own handler (the page,
  its coverage metric, the S3 put), invoked as its schedule does; leaderboard, posts,
  opportunity: the ops CLI's commands (socialscore_ops.cli's parser and run, on a Stack of the
  runtime's tables); hot leads and top profiles: the CLI command named in HOT_TOP when there is
  one, else the store's index read (Scores.hot, Scores.top); engage: the API's queue reader.
- old: the scans the report and those commands made before the rollups and indexes: the
  scores table, the ledger, the identities and the sync state, each read whole.

New paths are measured at both `--profiles` sizes; old paths at the `--old-profiles` sizes (a
size not in `--profiles` gets a state of its own, old paths only: a scan of 100,000 profiles'
million ledger items takes minutes on moto). Each figure is extrapolated to 1,000,000 profiles
(10,000,000 touches) along the line through its two sizes (printed as `a + b x profiles`; a
figure lower at the larger size is held at that size's value, `+ 0 x profiles`) and
checked against the timeout and memory in template.yaml of the function that serves the path
(the CLI's against the API function's, an interactive budget), with 3x headroom.
bench/scale_attribution.py's rows (the attribution job, on metered in-memory tables, run in a
process of its own beside the rest) follow.

    .venv/bin/python bench/scale.py [--profiles 10000 100000] [--old-profiles 2500 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_measure import Forked, Writes, measured
from scale_moto import Meter, quick_reads, warm
from scale_seed import AS_OF, MODEL, Seeded, seed
from scale_transact import kept_groups, quick_conditions

from socialscore.report.period import FOLD_BACK
from socialscore.store.rollup_fold import RollupFold
from socialscore.wiring.fold import fold_of
from socialscore.wiring.reads import Stores, engage_reader
from socialscore_local.ops_bridge import outputs
from socialscore_local.runtime import LocalRuntime
from socialscore_ops import cli
from socialscore_ops.commands import CATALOGUE
from socialscore_ops.stack import Stack
from socialscore_ops.template import Template

BIG, TOP, PERIOD = 1_000_000, 50, 30
# us-east-1 on-demand, a read request unit (aws.amazon.com/dynamodb/pricing/on-demand/, 2026-11)
PRICE_RRU = 0.125e-6
TEMPLATE = Template.read(Path(__file__).resolve().parents[1] / "template.yaml")
# The function whose limits each path must fit (the CLI's reads: the engage API function's).
SERVED_BY = {
    "report": "ReportFunction",
    "fold a day": "ReportFunction",  # after the page, in the same run (store.rollup_fold)
    "leaderboard": "EngageFunction",
    "posts": "EngageFunction",
    "opportunity": "EngageFunction",
    "hot leads": "EngageFunction",
    "top profiles": "EngageFunction",
    "engage": "EngageFunction",
    "attribution": "AttributionFunction",
}
# The CLI commands that list hot leads and top profiles, when the CLI has them.
HOT_TOP = {"hot leads": ["top", "--hot"], "top profiles": ["top", "--limit", str(TOP)]}
Read = Callable[[], object]


def command(stack: Stack, *words: str) -> Read:
    """A CLI command line, run as `socialscore` runs it, minus finding the stack."""
    argv = [*words, "--as-of", AS_OF.isoformat()]

    def run() -> object:
        args = cli.parser(argv).parse_args(argv)
        result = args.run(stack, args)
        for note in result.notes:  # as the CLI says it on stderr: a fallback read, say
            print(f"  {' '.join(words)}: {note}", file=sys.stderr, flush=True)
        return result

    return run


def paths(rt: LocalRuntime, seeded: Seeded) -> dict[str, dict[str, Read]]:
    """path -> variant (new, old) -> the read."""
    stack, stores = Stack("bench", outputs(rt)), Stores(rt.table)
    deal = max(seeded.deals, key=lambda o: len(seeded.contacts[o.contact_ids[0]])).id

    def report() -> object:
        with kept_groups(rewarm=False):  # its fold writes: moto's sorting kept out of its peak
            return rt.invoke("ReportFunction", {"as_of": AS_OF.isoformat(), "period": PERIOD})

    def every_table() -> object:
        """The old report's reads: the scores and the ledger scanned, every contact, every
        opportunity (Snapshot.stored, .touches, .contacts, .opportunities)."""
        return (
            stores.scores.read_all(),
            stores.ledger.every_touch(),
            stores.identities.all_contacts(),
            stores.sync_state.every_opportunity(),
        )

    def opportunity_old() -> object:
        return (
            stores.ledger.every_touch(),
            stores.identities.all_contacts(),
            stores.sync_state.every_opportunity(),
        )

    def scan() -> object:
        """The old leaderboard's, posts', hot leads' and top profiles' read, the same scan of
        the scores table (then a sum, a filter or a sort): measured once."""
        return stores.scores.read_all()

    listed = {
        name: command(stack, *words) if words[0] in CATALOGUE else store
        for (name, words), store in zip(
            HOT_TOP.items(), (stores.scores.hot, lambda: stores.scores.top(TOP)), strict=True
        )
    }

    def fold_a_day() -> object:
        """The fold of one closed day, the day before AS_OF (the days before it folded when the
        state was built): what each day's report adds after its page, at a steady state."""
        with kept_groups(rewarm=False):  # as the report's
            return fold_of(rt.table, FOLD_BACK).run(
                AS_OF.date() + timedelta(days=1), lambda: 3600.0
            )

    engage = engage_reader(rt.table)
    return {
        "report": {"old": every_table, "new": report},
        "fold a day": {"new": fold_a_day},
        "leaderboard": {"old": scan, "new": command(stack, "leaderboard")},
        "posts": {"old": scan, "new": command(stack, "posts")},
        "opportunity": {"old": opportunity_old, "new": command(stack, "opportunity", deal)},
        "hot leads": {"old": scan, "new": listed["hot leads"]},
        "top profiles": {"old": scan, "new": listed["top profiles"]},
        "engage": {"new": lambda: engage.queue(MODEL, AS_OF, 20)},
    }


def _imported(rt: LocalRuntime) -> None:
    """What the reads import, imported before they are forked: each child would import it again
    and count it in its peak."""
    from socialscore.report import coverage, page  # noqa: F401  # the report handler's

    rt.handler("ReportFunction")
    for words in (["leaderboard"], ["posts"], ["opportunity", "x"], ["top"]):
        cli.parser(words)


def measure(profiles: int, per_profile: int, variants: set[str]) -> dict[tuple[str, str], Any]:
    """(path, variant) -> its figures, for the variants asked."""
    rows: dict[tuple[str, str], Any] = {}
    quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING"}  # the report's "written" line, each run
    with LocalRuntime(Path(tempfile.mkdtemp(prefix="scale-")), environment=quiet) as rt:
        started = time.perf_counter()
        seeded = seed(rt, profiles, per_profile)
        quick_reads()
        quick_conditions()
        warm()
        print(
            f"  {profiles:,} profiles: {seeded.touches:,} touches, {len(seeded.contacts):,} "
            f"contacts, {len(seeded.deals):,} won deals, {seeded.hot:,} hot, built in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        if "new" in variants:  # as the daily reports leave it: the closed days folded, those
            # the measured report reads (its period and the one before; the older seeded days
            # only cost the bench's moto time: ~7 ms of CPU an action of a transaction)
            started = time.perf_counter()
            with kept_groups():
                fold = RollupFold(rt.table("ScoresTable"), oldest_back=2 * PERIOD + 2)
                folded = fold.run(AS_OF.date(), lambda: 24 * 3600.0)
            print(
                f"  folded {len(folded.days)} days to {folded.days[-1] if folded.days else '-'}"
                f" ({folded.names:,} names, {folded.shards_deleted:,} shards deleted) in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
        _imported(rt)
        meter = Meter()
        meter.install()
        Writes.install()
        done: dict[int, Any] = {}  # a read already measured (the shared scan), by its function
        for path, reads in paths(rt, seeded).items():
            for variant, read in reads.items():
                if variant in variants:
                    if id(read) not in done:
                        done[id(read)] = measured(read, meter)
                        print(line(path, variant, profiles, done[id(read)]), flush=True)
                    rows[(path, variant)] = done[id(read)]
    return rows


KEYS = ("calls", "read_units", "write_units", "bytes", "peak_mb", "wall_s", "cpu_s", "lambda_s")
FITTED = ("read_units", "write_units", "bytes", "peak_mb", "lambda_s")  # formulas printed for these
# Their reads printed table by table: the report's (coverage's ledger scan among them); top's (a
# Query of `by_contact` a contact shown whose identities met are fewer than its bound: up to N).
DETAILED = ("report", "top profiles")


def limits(function: str) -> tuple[float, float]:
    """(timeout s, memory MB) of a function in template.yaml, the Globals' where it names none."""
    props = TEMPLATE.of_type("AWS::Serverless::Function")[function]
    glob = TEMPLATE.document.get("Globals", {}).get("Function", {})
    return float(props.get("Timeout", glob.get("Timeout", 3))), float(
        props.get("MemorySize", glob.get("MemorySize", 128))
    )


def attribution(sizes: list[int]) -> Forked:
    """bench/scale_attribution.py's rows at these sizes (the job on metered in-memory tables,
    no moto: in a fork of its own, beside the rest), by size."""
    import scale_attribution

    return Forked(lambda: {n: scale_attribution.measure(n) for n in sizes})


def _attribution_rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """Its wall_s is already the job's own time plus 8 ms a call: a Lambda's."""
    return {
        ("attribution", str(r["variant"])): r | {"lambda_s": r["wall_s"], "wall_s": None}
        for r in rows
    }


def line(path: str, variant: str, n: int, r: dict[str, Any], note: str = "") -> str:
    def num(key: str, scale: float = 1, form: str = ",.0f") -> str:
        value = r.get(key)
        return "-" if value is None else format(float(value) / scale, form)

    return (
        f"{path:>12} {variant:>3} {n:>9,} {num('calls'):>7} {num('read_units'):>10} "
        f"{num('write_units'):>11} {num('bytes', 2**20, '.1f'):>8} {num('peak_mb', 1, '.1f'):>7} "
        f"{num('wall_s', 1, '.2f'):>7} {num('cpu_s', 1, '.2f'):>7} "
        f"{num('lambda_s', 1, '.2f'):>8} {note}"
    )


def table(runs: dict[int, dict[tuple[str, str], Any]]) -> None:
    print(
        f"\n{'path':>12} {'':>3} {'profiles':>9} {'calls':>7} {'read units':>10} "
        f"{'write units':>11} {'MB read':>8} {'peak MB':>7} {'wall s':>7} {'CPU s':>7} "
        f"{'Lambda s':>8}"
    )
    pairs = sorted({p for rows in runs.values() for p in rows}, key=_order)
    for path, variant in pairs:
        sizes = sorted(n for n, rows in runs.items() if (path, variant) in rows)
        for n in sizes:
            print(line(path, variant, n, runs[n][(path, variant)]))
            if path in DETAILED:
                print(_reads(runs[n][(path, variant)]))
        if len(sizes) < 2:
            continue
        (small, low), (large, high) = ((n, runs[n][(path, variant)]) for n in sizes[-2:])
        fit = {}
        for k in KEYS:
            if low.get(k) is None or high.get(k) is None:
                continue
            slope = (float(high[k]) - float(low[k])) / (large - small)
            # A figure that falls as profiles grow does not depend on them (noise): held flat.
            fit[k] = (float(low[k]) - slope * small, slope) if slope > 0 else (float(high[k]), 0)
        at = {k: a + b * BIG for k, (a, b) in fit.items()}
        timeout, memory = limits(SERVED_BY[path])
        fits = at["lambda_s"] * 3 <= timeout and at.get("peak_mb", 0) * 3 <= memory
        verdict = "ok" if fits else "OVER"
        note = f"{verdict}: 3x within {timeout:.0f} s, {memory:.0f} MB ({SERVED_BY[path]})"
        print(line(path, variant, BIG, at, note))
        for k in FITTED:
            if k in fit:
                print(f"{'':>18}{k} = {fit[k][0]:,.4g} + {fit[k][1]:.4g} x profiles")
        if path == "report":  # it runs once a day: its read units, priced
            print(
                f"the report's reads a day, {variant}: {float(high['read_units']):,.0f} read "
                f"units at {large:,} profiles, {at['read_units']:,.0f} at {BIG:,}: "
                f"${at['read_units'] * PRICE_RRU:.4f} a day"
            )


def _reads(row: dict[str, Any]) -> str:
    """What a read read, table by table: `Scan LedgerTable: 6 calls, 4,200 RU`."""
    found = sorted(row.get("by", {}).items(), key=lambda kv: -kv[1][1])
    each = [f"{what}: {n:,.0f} calls, {ru:,.0f} RU" for what, (n, ru) in found]
    return f"{'':>18}" + "; ".join(each)


def _order(pair: tuple[str, str]) -> tuple[int, int]:
    return list(SERVED_BY).index(pair[0]), ("old", "new", "first build").index(pair[1])


def _measuring(profiles: int, per_profile: int, variants: set[str]) -> Callable[[], object]:
    return lambda: list(measure(profiles, per_profile, variants).items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--old-profiles", type=int, nargs=2, default=[2_500, 10_000])
    parser.add_argument("--touches", type=int, default=10, help="touches a profile, on average")
    parser.add_argument("--no-attribution", action="store_true", help="leave its rows out")
    args = parser.parse_args()
    jobs = None if args.no_attribution else attribution(args.profiles)
    runs: dict[int, dict[tuple[str, str], Any]] = {}
    sized: dict[int, Forked] = {}
    for n in sorted({*args.profiles, *args.old_profiles}):  # each size in a process, side by side
        variants = {v for v, at in (("new", args.profiles), ("old", args.old_profiles)) if n in at}
        print(f"{n:,} profiles, about {n * args.touches:,} touches: {', '.join(sorted(variants))}")
        sized[n] = Forked(_measuring(n, args.touches, variants))
    for n, rows in sized.items():
        runs[n] = {(path, variant): figures for (path, variant), figures in rows.result()}
    for n, rows in (jobs.result() if jobs else {}).items():  # JSON: sizes as strings
        runs[int(n)] |= _attribution_rows(rows)
    table(runs)
    print(f"{BIG:,} profiles ({BIG * args.touches:,} touches): along the line through two sizes")


if __name__ == "__main__":
    main()
