"""The bucket tally's items in the sync-state table (their keys, and their attributes to and from
the tally's values): beside crm_sync's own state (its run keeps the tally, under its run lease).

- `tally#unit#<unit>`: a unit's buckets (`b`, JSON), until (`u`, ISO), whether it is a contact
  (`c`), its score bin (`s`) and its version (`v`).
- `tally#counts`: per bucket, `p#<bucket>` profiles and `c#<bucket>` contacts in it; per score
  bin alike, `p#bin~<n>` and `c#bin~<n>` (domain.score_bins: about 30 numbers).
- `tally#due#<day>#<n>`: the units whose `until` falls on that UTC day (a string set, by the
  unit's hash in `SHARDS` items), so a run finds the units due without a scan.
- `tally#todo#<n>`: units a run left to the next (stopped for time, or a write refused), sharded
  alike. An item holds about 16,000 ids of 25 characters within DynamoDB's 400 KB an item
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): 64
  shards hold a million units due a day or left to later runs, every profile of a customer with a
  million (crm_sync stopped two days there leaves some 300,000). An item over it would fail every
  later run's write, and crm_sync's run with it.
- `tally#place`: built or not, the marks read up to, the first day not all taken, whether
  the build kept the identity coverage (`cover`) and which score bins (`bins`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from socialscore.domain.bucket_tally import Counts, Kept, Place, Stored
from socialscore.store import coverage_tally

SHARDS = 64
PREFIX = "tally#"
COUNTS = f"{PREFIX}counts"
PLACE = f"{PREFIX}place"


def unit_key(unit: str) -> str:
    return f"{PREFIX}unit#{unit}"


def shard(unit: str) -> int:
    return int(hashlib.sha256(unit.encode()).hexdigest(), 16) % SHARDS


def _due(day: date, n: int) -> str:
    return f"{PREFIX}due#{day.isoformat()}#{n}"


def due_key(day: date, unit: str) -> str:
    return _due(day, shard(unit))


def due_keys(first: date, last: date) -> list[str]:
    """Every shard's due item of each day from first to last."""
    days = range((last - first).days + 1)
    return [_due(first + timedelta(days=d), n) for d in days for n in range(SHARDS)]


TODO_KEYS = [f"{PREFIX}todo#{n}" for n in range(SHARDS)]


def todo_key(unit: str) -> str:
    return TODO_KEYS[shard(unit)]


def encode(value: Kept) -> dict[str, Any]:
    """A unit's value as its item's attributes (plain values)."""
    out: dict[str, Any] = {"b": json.dumps(list(value.buckets)), "c": value.contact}
    if value.until is not None:
        out["u"] = value.until.isoformat()
    if value.cover:
        out["cv"] = coverage_tally.encode(value.cover)
    if value.bin is not None:
        out["s"] = value.bin
    return out


def decode(item: Mapping[str, Any]) -> Stored:
    if "b" not in item:
        return Stored(None, int(item["v"]))
    until = datetime.fromisoformat(item["u"]) if "u" in item else None
    cover = coverage_tally.decode(item["cv"]) if "cv" in item else {}
    score_bin = int(item["s"]) if "s" in item else None
    kept = Kept(tuple(json.loads(item["b"])), until, bool(item["c"]), cover, score_bin)
    return Stored(kept, int(item["v"]))


def place_of(item: Mapping[str, Any] | None) -> Place:
    if item is None:
        return Place(False, None, None)
    marks = item.get("marks_through")
    due = item.get("due_from")
    return Place(
        True,
        datetime.fromisoformat(marks) if marks else None,
        date.fromisoformat(due) if due else None,
        bool(item.get("cover")),
        item.get("bins"),
    )


def counts_attributes(counts: Counts) -> dict[str, int]:
    """Counts as the counts item's attributes (counts_of's inverse): `p#<bucket>`, `c#<bucket>`."""
    return {f"{kind}#{b}": n for b, pc in counts.items() for kind, n in zip("pc", pc, strict=True)}


def counts_of(item: Mapping[str, Any] | None) -> Counts:
    found: dict[str, list[int]] = {}
    for name, n in (item or {}).items():
        kind, _, bucket = name.partition("#")
        if kind in ("p", "c") and bucket:
            found.setdefault(bucket, [0, 0])[kind == "c"] = int(n)
    return {b: (p, c) for b, (p, c) in found.items() if (p, c) != (0, 0)}
