"""Ledger entries as DynamoDB items, and the version that conditions every write of one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from socialscore.domain.decay import number
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.touch import Touch


def version_of(entry: LedgerEntry) -> str:
    """Names the entry exactly: two writers that read the same entry cannot both replace it."""
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
    )
    return LedgerEntry(touch, withdrawn)
