"""Engage now: the queue of acts worth answering, as every reader gets it (the JSON endpoint,
the ops CLI, the report page), ranked by domain.engage.

One read of the ledger's `engage` index per day of the window, one of the answered marks, the
seller registry and the identity links per 100 acts, the scores of their actors, and one ledger
query per actor whose buckets could change its place in the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from socialscore.domain.engage import Queue, rank, window
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import standing
from socialscore.pipeline.ports import (
    EngageActs,
    IdentityLinks,
    ProfileScores,
    SellerRegistry,
    TouchHistory,
)

MAX_LIMIT = 100


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
