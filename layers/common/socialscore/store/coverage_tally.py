"""The identity coverage's linked part, kept by the bucket tally (domain.coverage and
domain.bucket_tally) in the sync-state table beside it:

- `tally#cover#<day>`: per UTC day, the organic touches (`t#<key>`) and points (`p#<key>`) of the
  profiles linked to a contact, per network (`n#<network>`) and per seller (`s#<seller>`), as of
  crm_sync's last run: the sum of what the contact units keep. Moved by ADD in each unit's
  transaction (store.bucket_tally), the names through ExpressionAttributeNames (a seller id may
  hold any character).
- a contact unit's item keeps its own part (`cv`, JSON: day -> key -> [touches, points]).

DynamoDB's limits (docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html):
a transaction holds 100 actions at most: a unit's is its item, the counts, two due entries and
its days, at most KEPT_DAYS + 2 = 92 (the window of kept_days; an older day is never moved),
96 in all. An item holds 400 KB: a contact's `cv` takes ~15 bytes plus the key a (day, network or
seller) it touched (17 with 4-character seller ids: 92 days x 51 keys measured at 81 KB,
tests/unit/test_coverage_tally.py), so with 20-character seller ids its worst case, every one of
92 days on 5 networks and 50 sellers, is ~180 KB; a contact touching some 120 such sellers' posts
every day of three months would be the first past it (its write then fails and waits, logged, as
any failed write). A day's item holds two counters per network and seller: ~60 bytes a seller
with 20-character ids, a few KB with 50 sellers; a day whose linked touches fell on some 6,500
sellers' posts would outgrow 400 KB, and every transaction moving that day would then fail. An
Update's expression takes 4 KB at most
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-expression-parameters):
~12 bytes a counter, so a contact whose part moves on some 165 sellers in one day fails alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from socialscore.domain.coverage import Cover, Sums
from socialscore.store import dynamo

COVER_PREFIX = "tally#cover#"


def day_key(day: str) -> str:
    return f"{COVER_PREFIX}{day}"


def encode(cover: Cover) -> str:
    """A contact's part, as its unit item's `cv`."""
    return json.dumps(
        {d: {k: [n, str(p)] for k, (n, p) in sorted(s.items())} for d, s in sorted(cover.items())},
        separators=(",", ":"),
    )


def decode(text: str) -> dict[str, Sums]:
    found: dict[str, dict[str, list[Any]]] = json.loads(text)
    return {d: {k: (int(n), Decimal(p)) for k, (n, p) in s.items()} for d, s in found.items()}


def attributes(sums: Sums) -> dict[str, Decimal]:
    """A day item's counters."""
    out: dict[str, Decimal] = {}
    for key, (n, points) in sums.items():
        out[f"t#{key}"] = Decimal(n)
        out[f"p#{key}"] = points
    return out


def sums_of(item: Mapping[str, Any] | None) -> Sums:
    """A day item's sums (counters at 0 left out)."""
    touches: dict[str, int] = {}
    points: dict[str, Decimal] = {}
    for name, value in (item or {}).items():
        kind, _, key = name.partition("#")
        if kind == "t" and key:
            touches[key] = int(value)
        elif kind == "p" and key:
            points[key] = Decimal(value)
    keys = set(touches) | set(points)
    found = {k: (touches.get(k, 0), points.get(k, Decimal(0))) for k in keys}
    return {k: (n, p) for k, (n, p) in found.items() if n or p}


def day_update(table: str, day: str, sums: Sums) -> dict[str, Any]:
    """The transaction's Update adding a contact's difference to a day's item."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds = []
    for n, (name, amount) in enumerate(sorted(attributes(sums).items())):
        names[f"#a{n}"] = name
        values[f":a{n}"] = {"N": str(amount)}
        adds.append(f"#a{n} :a{n}")
    return {
        "TableName": table,
        "Key": {"key": {"S": day_key(day)}},
        "UpdateExpression": "ADD " + ", ".join(adds),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def linked(table: str, days: Iterable[date]) -> dict[str, Sums]:
    """Each of these days' linked sums (a BatchGetItem of a day's item each, 100 a call)."""
    keys = {day_key(d.isoformat()): d.isoformat() for d in days}
    found = dynamo.batch_get(table, "key", list(keys), consistent=True)
    return {keys[k]: sums_of(item) for k, item in found.items()}
