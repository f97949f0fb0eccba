"""Score: exactly-once ledger and aggregate updates for a batch, deleted posts swept twice,
erasures, and the hot leads the batch made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from socialscore.domain.interaction import Erase, PostDeleted, Retraction
from socialscore.domain.messages import Resolved, ScoreMessage
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import touch_of, withdrawal_of
from socialscore.pipeline import hot_leads
from socialscore.pipeline.erasure import Eraser
from socialscore.pipeline.ports import (
    CrmPending,
    EventBus,
    IdentityLinks,
    MessageQueue,
    ScoreStore,
    TouchLedger,
)

# The by_own_post index that finds a deleted post's acts is eventually consistent: an act
# written just before the deletion may lag, so the post is swept again a minute later.
SECOND_SWEEP_DELAY = 60


@dataclass(frozen=True)
class ScoreReport:
    changed: int  # ledger entries changed (touches written, replaced or withdrawn)
    hot_leads: list[tuple[str, float]]  # (profile, organic score)
    unsent: list[str]  # message ids whose second sweep could not be queued: retry them


@dataclass
class Scorer:
    ledger: TouchLedger
    scores: ScoreStore
    identities: IdentityLinks
    bus: EventBus
    later: MessageQueue  # the score queue itself, for second sweeps
    crm: CrmPending  # what crm_sync takes to the CRM: erasures, contacts to score again

    def score(
        self,
        messages: list[tuple[str, ScoreMessage]],
        model: ScoringModel,
        now: datetime,
        correlation_ids: Mapping[str, str] | None = None,
    ) -> ScoreReport:
        resolved = [m for _, m in messages if isinstance(m, Resolved)]
        touches = [touch_of(m, model) for m in resolved]
        withdrawals = [withdrawal_of(m, model) for _, m in messages if isinstance(m, Retraction)]
        changed = self.ledger.record([*touches, *withdrawals])
        again = []
        for mid, message in messages:
            if isinstance(message, PostDeleted):
                changed += self.ledger.delete_post(message.post, message.occurred_at)
                if message.sweep == 1:
                    body = message.model_copy(update={"sweep": 2}).model_dump_json()
                    again.append((mid, body, SECOND_SWEEP_DELAY))
        unsent = self.later.send_later(again, correlation_ids=correlation_ids) if again else []
        eraser = Eraser(self.identities, self.ledger, self.scores, self.crm)
        for _, message in messages:
            if isinstance(message, Erase):  # after this batch's own touches: they go too
                changed += eraser.erase(message, now)
        contacts = {m.interaction.actor_key: m.contact_id for m in resolved if m.contact_id}
        hot = hot_leads.announce(touches, contacts, self.scores, self.bus, model, now)
        return ScoreReport(changed, hot, unsent)
