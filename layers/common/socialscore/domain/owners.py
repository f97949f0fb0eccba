"""Owners: who is told of a hot lead or a complaint.

The contact's CRM owner when it is known (the SMMS's identify event or the identities import
named one); else the seller (or brand account) whose posts earned the most of the profile's
counted organic touches, the latest of them breaking a tie; else the queue the stack names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch

OwnerType = Literal["crm_owner", "seller", "queue"]


@dataclass(frozen=True)
class Owner:
    type: OwnerType
    id: str

    def detail(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id}


def top_seller(touches: Iterable[Touch]) -> str | None:
    """The seller credited with the most of these organic touches; on a tie, the one credited
    with the latest, then the first by id (the same answer whatever order the ledger gives)."""
    tally: dict[str, tuple[int, datetime]] = {}
    for t in touches:
        if t.category is not Category.ORGANIC or t.seller_id is None:
            continue
        count, last = tally.get(t.seller_id, (0, t.occurred_at))
        tally[t.seller_id] = (count + 1, max(last, t.occurred_at))
    if not tally:
        return None
    return min(tally, key=lambda seller: (-tally[seller][0], -tally[seller][1].timestamp(), seller))


def owner_of(crm_owner: str | None, touches: Iterable[Touch], queue: str) -> Owner:
    if crm_owner:
        return Owner("crm_owner", crm_owner)
    seller = top_seller(touches)
    return Owner("seller", seller) if seller else Owner("queue", queue)
