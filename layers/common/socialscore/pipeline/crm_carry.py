"""What crm_sync keeps with a contact's push, so that a later run carries it instead of reading
the contact's ledger again: its last organic touch (`carried`), its buckets (`buckets`, a JSON
list) and the moment they may next change with no new touch (`buckets_until`, domain.buckets'
stable_until).

Both need the ledger, which the aggregates cannot stand in for. A contact marked changed, or one
whose touches an opportunity's attribution read in the same slice, is worked out afresh. The
daily pass reads the ledger only for a contact never read (its first push, or one pushed before a
field existed) and for one whose buckets are due (`buckets_until` at or before as_of: its score
decayed below a rule's threshold, or a touch left a rule's window); the pass is cut in slices
within each run's time budget (crm_work), so these reads are spread over the runs it takes.
Every other contact takes what its last push kept: without a new touch its last organic touch
cannot move, nor its buckets before `buckets_until`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialscore.domain import record_key as rk
from socialscore.domain.buckets import buckets, facts, stable_until
from socialscore.domain.record_key import Pushed, Record, RecordKey
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch, last_organic_touch
from socialscore.pipeline.crm_records import NO_TOUCH, carried_touch, kept_touch
from socialscore.pipeline.ports import TouchLedger

Kept = dict[str, str]


@dataclass
class Carry:
    ledger: TouchLedger
    model: ScoringModel
    as_of: datetime
    scores: Mapping[str, tuple[float, float]]  # contact -> organic, paid: decayed, not rounded
    touches: dict[str, list[Touch]]  # identity -> its counted touches, read once a slice

    def known(self, mine: list[Touch], scores: tuple[float, float]) -> Kept:
        known = facts(mine, scores[0], scores[1], self.as_of)
        return {
            "carried": carried_touch(last_organic_touch(mine)),
            "buckets": json.dumps(buckets(self.model, known)),
            "buckets_until": carried_touch(stable_until(self.model, known)),
        }

    def due(self, kept: Kept) -> bool:
        """Whether what a push kept must be worked out again: not all known, or buckets due."""
        if "carried" not in kept or "buckets" not in kept:
            return True
        until = kept.get("buckets_until", NO_TOUCH)
        return until != NO_TOUCH and datetime.fromisoformat(until) <= self.as_of


def carry(
    how: Carry,
    linked: dict[str, list[str]],
    touched: set[str],
    pushed: Mapping[RecordKey, Pushed],
    records: dict[RecordKey, Record],
) -> dict[RecordKey, Kept]:
    """Set each contact record's last organic touch and buckets; returns what each contact
    record keeps with its push."""

    def read(contact: str) -> Kept:
        for i in linked[contact]:
            if i not in how.touches:
                how.touches[i] = how.ledger.touches_of(i)
        mine = [t for i in linked[contact] for t in how.touches[i]]
        return how.known(mine, how.scores[contact])

    kept: dict[RecordKey, Kept] = {}
    for contact, identities in linked.items():
        key = rk.contact(contact)
        stored: Kept = dict(last.kept) if (last := pushed.get(key)) else {}
        marked = contact in touched or all(i in how.touches for i in identities)
        if marked or how.due(stored):  # marked changed, read for an opportunity, or due
            kept[key] = read(contact)
        else:  # all known, and nothing due before a later as_of
            kept[key] = stored
    for key, value in kept.items():
        records[key] = records[key].model_copy(update=shown(value))
    return kept


def shown(kept: Mapping[str, str]) -> dict[str, Any]:
    """What a contact record shows of what it keeps."""
    return {
        "last_organic_touch": kept_touch(kept["carried"]) if "carried" in kept else None,
        "buckets": json.loads(kept["buckets"]) if "buckets" in kept else [],
    }
