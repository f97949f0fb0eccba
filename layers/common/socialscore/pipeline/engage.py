"""Engage now: the queue of acts worth answering, as every reader gets it (the JSON endpoint,
the ops CLI, the report page), ranked by domain.engage.

One read of the ledger's `engage` index per day of the window, one of the answered marks, the
seller registry and the identity links per 100 acts, the scores of their actors, and one ledger
query per actor whose buckets could change its place in the top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from socialscore.domain.engage import Entry, rank, window
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import standing
from socialscore.domain.touch import own_link
from socialscore.pipeline.ports import (
    EngageActs,
    IdentityLinks,
    ProfileScores,
    SellerRegistry,
    TouchHistory,
)

MAX_LIMIT = 100


@dataclass(frozen=True)
class Queue:
    entries: list[Entry]  # the top, best first
    contacts: dict[str, str]  # profile -> contact id, for the entries' linked actors
    waiting: int  # acts in the queue (unanswered, in the window), the top's and the others


@dataclass
class EngageReader:
    acts: EngageActs
    scores: ProfileScores
    history: TouchHistory
    sellers: SellerRegistry
    links: IdentityLinks

    def queue(self, model: ScoringModel, now: datetime, limit: int) -> Queue:
        now = now.astimezone(UTC)  # the ledger's times are UTC text, compared as text
        since, until = window(model.engage, now)
        found = [t for t in self.acts.acts(since, until) if t.kind in model.engage.kinds]
        answered = self.acts.answered(sorted({t.own_post for t in found if t.own_post}))
        # The team's own replies and mentions are answers, not acts to answer.
        team = self.sellers.of_accounts(sorted({t.profile for t in found}))
        waiting = [t for t in found if t.own_post not in answered and t.profile not in team]
        profiles = sorted({t.profile for t in waiting})
        items = self.scores.profile_units(profiles) if profiles else {}
        standings = {p: standing(items, [p], now, model) for p in profiles}
        organic = {p: s.organic for p, s in standings.items()}

        def buckets_of(profile: str) -> tuple[str, ...]:
            return standings[profile].buckets(model, self.history.touches_of(profile))

        top = rank(waiting, organic, buckets_of, model.engage, now, min(limit, MAX_LIMIT))
        linked = sorted({e.touch.profile for e in top})
        contacts = self.links.contacts_of(linked) if linked else {}
        return Queue(top, contacts, len(waiting))


def reader(table: Callable[[str], str]) -> EngageReader:
    """The queue's reader on a stack's tables; `table` names each by its logical id in
    template.yaml (the ops CLI's Stack, the report's configuration, the local runtime)."""
    from socialscore.store.engage import EngageStore
    from socialscore.store.identities import Identities
    from socialscore.store.ledger import Ledger
    from socialscore.store.scores import Scores
    from socialscore.store.sellers import Sellers

    ledger, scores = table("LedgerTable"), table("ScoresTable")
    return EngageReader(
        EngageStore(ledger),
        Scores(scores),
        Ledger(ledger, scores),
        Sellers(table("SellersTable")),
        Identities(table("IdentitiesTable")),
    )


def entry_json(entry: Entry, contact_id: str | None) -> dict[str, Any]:
    """An entry as the JSON endpoint and `socialscore engage --json` give it: ids, a link made
    from ids, numbers and keyword hits; never words or handles."""
    t = entry.touch
    return {
        "permalink": own_link(t),
        "act": t.own_post,
        "kind": t.kind.value,
        "network": t.network.value,
        "profile": t.profile,
        "contact_id": contact_id,
        "answers_post": t.post,
        "seller_id": t.seller_id,  # whose post it answers: who should answer it
        "team": t.team,
        "occurred_at": t.occurred_at.isoformat(),
        "expires_at": entry.expires_at.isoformat(),
        "rank": round(entry.rank, 2),
        "why": {k: round(v, 2) for k, v in entry.factors.items()}
        | {"recency": round(entry.recency, 4)},
        "buckets": list(entry.buckets),
        "intent_hits": list(t.intent_hits),
        "complaint_hits": list(t.complaint_hits),
    }


def queue_json(queue: Queue, model: ScoringModel, now: datetime) -> dict[str, Any]:
    return {
        "as_of": now.astimezone(UTC).isoformat(),
        "model_version": model.version,
        "waiting": queue.waiting,
        "entries": [entry_json(e, queue.contacts.get(e.touch.profile)) for e in queue.entries],
    }
