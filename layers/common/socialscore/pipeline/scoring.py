"""Score: exactly-once ledger and aggregate updates for a batch, deleted posts swept twice,
erasures, the hot leads and complaints the batch made, and the acts it answered.

A message the tables refuse (a key or an item over DynamoDB's limits that got past the message
models' checks) fails alone: when a batch's write is refused, each half is written in turn, down
to the messages at fault, which are reported failed with why (the handler logs it) while the
rest is scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from socialscore.aws import batch
from socialscore.aws.logs import logger
from socialscore.domain.interaction import Answered, Erase, PostDeleted, Retraction
from socialscore.domain.limits import Refused
from socialscore.domain.messages import Resolved, ScoreMessage
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch, Withdrawal, touch_of, withdrawal_of
from socialscore.pipeline import complaints, hot_leads
from socialscore.pipeline.erasure import Eraser, second_sweeps
from socialscore.pipeline.index_settle import second_sweep
from socialscore.pipeline.ports import (
    AnswerMarks,
    ComplaintFlagStore,
    CrmPending,
    EventBus,
    IdentityLinks,
    MessageQueue,
    ScoreStore,
    TouchLedger,
)
from socialscore.pipeline.routing import Router


@dataclass(frozen=True)
class ScoreReport:
    changed: int  # ledger entries changed (touches written, replaced or withdrawn)
    hot_leads: list[tuple[str, float]]  # (profile, organic score)
    complaints: list[str]  # the ids of the complaints announced
    # Message id -> why, for those to report failed (SQS retries them, then moves them to the
    # DLQ): a second sweep that could not be queued, or a message the tables refuse.
    failed: dict[str, str]


@dataclass
class Scorer:
    ledger: TouchLedger
    scores: ScoreStore
    identities: IdentityLinks
    bus: EventBus
    later: MessageQueue  # the score queue itself, for second sweeps
    crm: CrmPending  # what crm_sync takes to the CRM: erasures, contacts to score again
    complaints: ComplaintFlagStore  # which complaints were announced
    owner_queue: str  # whom a hot lead or complaint goes to when no owner is known
    answers: AnswerMarks  # the acts answered leave the engage-now queue

    def take(
        self, received: list[batch.Received[ScoreMessage]], model: ScoringModel, now: datetime
    ) -> batch.Done:
        """A batch, end to end (pipeline.stage): what failed, with why, and what to count."""
        messages = [(r.id, r.message) for r in received]
        report = self.score(messages, model, now, batch.correlation_ids(received))
        hot, said = len(report.hot_leads), len(report.complaints)
        extra = {"events": len(messages), "changed": report.changed, "hot_leads": hot}
        logger().info("scored", extra=extra | {"complaints": said})
        failed = {mid: batch.Failure(reason) for mid, reason in report.failed.items()}
        return batch.Done(
            failed, {"TouchesWritten": report.changed, "HotLeads": hot, "Complaints": said}
        )

    def score(
        self,
        messages: list[tuple[str, ScoreMessage]],
        model: ScoringModel,
        now: datetime,
        correlation_ids: Mapping[str, str] | None = None,
    ) -> ScoreReport:
        resolved = [(mid, m) for mid, m in messages if isinstance(m, Resolved)]
        touches = {mid: touch_of(m, model) for mid, m in resolved}
        events: dict[str, Touch | Withdrawal] = dict(touches)
        events |= {mid: withdrawal_of(m, model) for mid, m in messages if isinstance(m, Retraction)}
        refused: dict[str, str] = {}
        # The contact resolve read for each actor: its organic write expects it (and moves that
        # contact's item with it: the contacts' ranking); none named: expected unlinked.
        guesses = {m.interaction.actor_key: m.contact_id for _, m in resolved if m.contact_id}
        changed = self._record(list(events.items()), refused, guesses)
        again = []
        for mid, message in messages:
            if isinstance(message, PostDeleted):
                try:
                    changed += self.ledger.delete_post(message.post, message.occurred_at)
                except Refused as err:
                    _refuse(refused, mid, err)
                    continue
                if message.sweep == 1:
                    again.append(second_sweep(mid, message))  # the index may lag the act
        again += second_sweeps(messages)  # an erasure by contact looks for its identities again
        unsent = self.later.send_later(again, correlation_ids=correlation_ids) if again else []
        eraser = Eraser(self.identities, self.ledger, self.scores, self.crm)
        for mid, message in messages:
            if isinstance(message, Erase):  # after this batch's own touches: they go too
                try:
                    changed += eraser.erase(message, now)
                except Refused as err:
                    _refuse(refused, mid, err)
        scored = [(mid, m) for mid, m in resolved if mid not in refused]
        contacts = {m.interaction.actor_key: m.contact_id for _, m in scored if m.contact_id}
        kept = [touches[mid] for mid, _ in scored]
        router = Router(self.identities, self.scores, self.ledger, self.owner_queue)
        hot = hot_leads.announce(kept, contacts, self.scores, self.bus, router, model, now)
        # After the erasures: an erased person's complaint is no longer in the ledger to announce.
        said = complaints.announce(kept, contacts, self.complaints, self.bus, router)
        # An SMMS's `answered` event, or (from ingest and resolve) a seller's or the brand's own
        # reply or quote of the act's post.
        answered = {m.post: m.occurred_at for _, m in messages if isinstance(m, Answered)}
        if answered:
            self.answers.mark_answered(answered, now)
        failed = dict.fromkeys(unsent, "second sweep not queued") | refused
        return ScoreReport(changed, hot, said, failed)

    def _record(
        self,
        events: list[tuple[str, Touch | Withdrawal]],
        refused: dict[str, str],
        guesses: Mapping[str, str],
    ) -> int:
        """Record the events of these messages; when the ledger refuses them, each half in turn,
        down to the messages at fault, added to `refused`. Recording again what a refused
        attempt had written before it stopped changes nothing: entries merge whatever the
        batching, and every write is conditional on the version it replaces."""
        if not events:
            return 0
        try:
            return self.ledger.record([event for _, event in events], guesses)
        except Refused as err:
            if len(events) == 1:
                _refuse(refused, events[0][0], err)
                return 0
        half = len(events) // 2
        return self._record(events[:half], refused, guesses) + self._record(
            events[half:], refused, guesses
        )


def _refuse(refused: dict[str, str], message_id: str, err: Refused) -> None:
    # Logged with the stage's answer, at the level its delivery calls for (aws.batch).
    refused[message_id] = f"refused by the store: {err.reason}"
