"""The activities still due: the contacts of a slice whose activities are not all taken yet, kept
in the sync state with the slice's cursors, so a run that fails or stops half-way through them
leaves the rest for the next run (which takes them first) instead of losing them with the slice.

Kept as pushed records under `rk.activities("~due")` (no profile starts with "~"): that record
says how many chunks there are and how many contacts are done; chunks 1..n hold the contacts in
order, `DUE_CHUNK` each ("contact<US>identity<US>identity..."), so a slice of 10,000 contacts
stays far under DynamoDB's 400 KB an item. Progress rewrites the first record alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from socialscore.domain import record_key as rk
from socialscore.domain.record_key import Pushed, RecordKey
from socialscore.pipeline.ports import SyncStateStore

DUE = "~due"
DUE_CHUNK = 500
_SEP = "\x1f"  # no contact id or identity holds it: ingest refuses control characters
Linked = dict[str, list[str]]  # contact -> its identities


def head(chunks: int, done: int) -> dict[RecordKey, Pushed]:
    """The first record: `chunks` chunks, the first `done` contacts taken."""
    return {rk.activities(DUE): Pushed("due", [], {"chunks": str(chunks), "done": str(done)})}


def cleared(chunks: int) -> dict[RecordKey, Pushed]:
    """Nothing due: the first record says so, and the `chunks` chunks are emptied (what a
    finished slice leaves is the same however many runs it took)."""
    empty = {rk.activities(f"{DUE}#{n}"): Pushed("due") for n in range(1, chunks + 1)}
    return head(0, 0) | empty


def due(linked: Mapping[str, list[str]]) -> dict[RecordKey, Pushed]:
    """The records saying every one of these contacts is due (in contact id order)."""
    entries = [_SEP.join([c, *linked[c]]) for c in sorted(linked)]
    chunks = [entries[n : n + DUE_CHUNK] for n in range(0, len(entries), DUE_CHUNK)]
    records = head(len(chunks), 0)
    for n, chunk in enumerate(chunks, start=1):
        records[rk.activities(f"{DUE}#{n}")] = Pushed("due", chunk)
    return records


def pending(state: SyncStateStore) -> tuple[Linked, int]:
    """The contacts still due, in order, and how many were taken before them."""
    first = state.pushed([rk.activities(DUE)]).get(rk.activities(DUE))
    if first is None:
        return {}, 0
    chunks, done = int(first.kept.get("chunks", "0")), int(first.kept.get("done", "0"))
    skip = done // DUE_CHUNK  # chunks wholly taken are not read
    keys = [rk.activities(f"{DUE}#{n}") for n in range(skip + 1, chunks + 1)]
    found = state.pushed(keys) if keys else {}
    entries = [e for k in keys if (r := found.get(k)) is not None for e in r.parts]
    left: Linked = {}
    for entry in entries[done - skip * DUE_CHUNK :]:
        contact, *identities = entry.split(_SEP)
        left[contact] = identities
    return left, done
