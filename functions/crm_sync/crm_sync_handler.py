"""Scheduled: attribute organic touches to changed CRM opportunities, push what changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialscore.domain import scoring_model
from socialscore.pipeline.crm_sync import CrmSync, crm_from_settings
from socialscore.store.identities import Identities
from socialscore.store.ledger import Ledger
from socialscore.store.scores import Scores
from socialscore.store.sync_state import SyncState

logger = Logger(service="crm_sync")


def as_of(event: dict[str, Any]) -> datetime:
    """The schedule's slot time (`<aws.scheduler.scheduled-time>`), so a retry scores the same."""
    stamp = event.get("as_of")
    if not stamp:
        return datetime.now(UTC)
    return datetime.fromisoformat(stamp)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sync = CrmSync(
        crm_from_settings(), Identities(), Ledger(), Scores(), SyncState(), scoring_model.load()
    )
    report = sync.run(as_of(event))
    logger.info("synced", extra=report.__dict__)
    return {
        "opportunities": report.opportunities,
        "attributed": report.attributed,
        "pushed_scores": report.pushed_scores,
        "pushed_influences": report.pushed_influences,
        "checkpoint": report.checkpoint.isoformat() if report.checkpoint else None,
    }
