"""Ledger entries as DynamoDB items, the version that conditions every write of one, and the
flag items that say an act's complaint was announced."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from socialscore.domain.decay import number
from socialscore.domain.engage import answerable
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.touch import Touch

# A complaint's flag shares its act's partition (the profile), so an erasure takes it along.
COMPLAINT_FLAG = "complaint#"
# A sparse index of the answerable acts that count, by the day they happened: the engage-now
# queue's read. A withdrawn act's item loses the attribute, and with it its place in the index.
ENGAGE_INDEX = "engage"
ENGAGE_DAY = "engage_day"


def engage_day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def flag_key(dedupe_key: str) -> str:
    """The sort key of the flag that says the complaint at this ledger key was announced."""
    return f"{COMPLAINT_FLAG}{dedupe_key}"


def is_flag(sort_key: str) -> bool:
    return sort_key.startswith(COMPLAINT_FLAG)


def version_of(entry: LedgerEntry) -> str:
    """Names the entry exactly: two writers that read the same entry cannot both replace it.

    Hits (intent, complaint) are left out: a report of the same act never replaces the stored
    one on its hits alone (merging keeps the stored act unless the other is later), so a replay
    under a model with other phrases changes nothing, as one clean pass would."""
    t = entry.touch
    touch = (
        f"{t.interaction_id}|{t.occurred_at.isoformat()}|{t.category}|{t.own_post}" if t else "-"
    )
    withdrawn = entry.withdrawn_at.isoformat() if entry.withdrawn_at else "-"
    return f"{touch}|{withdrawn}"


def item_of(profile: str, key: str, entry: LedgerEntry) -> dict[str, Any]:
    record: dict[str, Any] = {
        "profile": profile,
        "touch": key,
        "version": version_of(entry),
        "withdrawn_at": entry.withdrawn_at.isoformat() if entry.withdrawn_at else None,
    }
    t = entry.touch
    if t is not None:
        record |= {
            "interaction_id": t.interaction_id,
            "network": t.network.value,
            "kind": t.kind.value,
            "category": t.category.value,
            "weight": number(t.weight),
            "units": t.units,
            "occurred_at": t.occurred_at.isoformat(),
            "post": t.post,
            "own_post": t.own_post,
            "seller_id": t.seller_id,
            "team": t.team,
            "intent_hits": list(t.intent_hits),
            "model_version": t.model_version,
        }
        if t.complaint_hits:  # only a complaint's item carries it: the others stay their size
            record["complaint_hits"] = list(t.complaint_hits)
        if t.actor_followers is not None:  # a number only (never a handle), when one is known
            record["actor_followers"] = t.actor_followers
    counted = entry.counted
    if counted is not None and answerable(counted):
        record[ENGAGE_DAY] = engage_day(counted.occurred_at)
    return record


def entry_of(r: dict[str, Any]) -> LedgerEntry:
    withdrawn = datetime.fromisoformat(r["withdrawn_at"]) if r.get("withdrawn_at") else None
    if "interaction_id" not in r:
        return LedgerEntry(withdrawn_at=withdrawn)
    touch = Touch(
        profile=r["profile"],
        dedupe_key=r["touch"],
        interaction_id=r["interaction_id"],
        network=Network(r["network"]),
        kind=Kind(r["kind"]),
        category=Category(r["category"]),
        weight=float(r["weight"]),
        units=Decimal(r["units"]),
        occurred_at=datetime.fromisoformat(r["occurred_at"]),
        post=r.get("post"),
        own_post=r.get("own_post"),
        seller_id=r.get("seller_id"),
        team=r.get("team"),
        intent_hits=tuple(r.get("intent_hits", [])),
        model_version=r["model_version"],
        complaint_hits=tuple(r.get("complaint_hits", [])),
        actor_followers=int(r["actor_followers"]) if r.get("actor_followers") is not None else None,
    )
    return LedgerEntry(touch, withdrawn)
