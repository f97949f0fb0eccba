"""SQS score queue: exactly-once ledger and score updates, hot-lead events."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field, TypeAdapter

from socialscore.aws import batch, config
from socialscore.aws.sqs import Queue
from socialscore.domain import scoring_model
from socialscore.domain.interaction import Erase, PostDeleted, Retraction
from socialscore.domain.scoring import retract_of, touch_of
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline import hot_leads
from socialscore.pipeline.erasure import Eraser
from socialscore.pipeline.resolution import Resolved
from socialscore.store.identities import Identities
from socialscore.store.ledger import Ledger
from socialscore.store.scores import Scores

logger = Logger(service="score")
MESSAGE: TypeAdapter[Resolved | Retraction | PostDeleted | Erase] = TypeAdapter(
    Annotated[Resolved | Retraction | PostDeleted | Erase, Field(discriminator="type")]
)


SECOND_SWEEP_DELAY = 60


@cache
def repositories() -> tuple[Ledger, Scores, Queue, Identities]:
    return Ledger(), Scores(), Queue(config.required("SCORE_QUEUE_URL")), Identities()


def handle(
    event: dict[str, Any],
    ledger: Ledger,
    scores: Scores,
    later: Queue,
    identities: Identities,
    model: ScoringModel,
    now: datetime,
) -> dict[str, Any]:
    parsed, failed = batch.parse(event, MESSAGE)
    resolved = [m for _, m in parsed if isinstance(m, Resolved)]
    touches = [touch_of(m, model) for m in resolved]
    retracts = [retract_of(m, model) for _, m in parsed if isinstance(m, Retraction)]
    changed = ledger.record([*touches, *retracts])
    again = []
    for mid, message in parsed:
        if isinstance(message, PostDeleted):
            changed += ledger.delete_post(message.post, message.occurred_at)
            if message.sweep == 1:
                body = message.model_copy(update={"sweep": 2}).model_dump_json()
                again.append({"Id": mid, "MessageBody": body, "DelaySeconds": SECOND_SWEEP_DELAY})
    failed += later.send_entries(again) if again else []
    eraser = Eraser(identities, ledger, scores)
    for _, message in parsed:
        if isinstance(message, Erase):  # after this batch's own touches: they go too
            changed += eraser.erase(message)
    contacts = {m.interaction.actor_key: m.contact_id for m in resolved if m.contact_id}
    hot = hot_leads.announce(touches, contacts, scores, model, now)
    logger.info(
        "scored",
        extra={"events": len(parsed), "changed": changed, "hot_leads": len(hot)},
    )
    return batch.partial_response(failed)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, *repositories(), scoring_model.load(), datetime.now(UTC))
