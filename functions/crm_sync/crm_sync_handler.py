"""Scheduled: attribute organic touches to changed CRM opportunities, push what changed.

The cold start imports Powertools' Logger and Metrics and boto3; the configuration, the CRM
adapter, the job and its repositories are imported by the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialscore.aws import telemetry
from socialscore.aws.schedule import slot_time

if TYPE_CHECKING:
    from socialscore.pipeline.crm_budget import Budget
    from socialscore.pipeline.crm_sync import CrmSync

logger = Logger(service="crm_sync")
metrics = Metrics()


def handle(
    event: dict[str, Any], sync: CrmSync | None, budget: Budget, run_id: str = ""
) -> dict[str, Any]:
    """A run as of the schedule's slot time, within `budget`, under the run lease as `run_id`;
    what it did, logged and counted. `sync` is None when no CRM is configured."""
    if sync is None:
        # CrmAdapter=none: the schedule is off; a run by hand has nothing to push to.
        logger.warning("no CRM adapter configured (CrmAdapter=none): nothing synced")
        return {"skipped": "no CRM adapter configured (CrmAdapter=none)"}
    report = sync.run(slot_time(event), budget, run_id)
    if report.leased_until is not None:
        # Not an error: the run holding the lease pushes this slot's changes too.
        skipped = f"another run holds the lease until {report.leased_until.isoformat()}"
        logger.info(f"skipped: {skipped}")
        return {"skipped": skipped}
    answer = {
        "opportunities": report.opportunities,
        "attributed": report.attributed,
        "scored": report.scored,
        "pushed_scores": report.pushed_scores,
        "pushed_influences": report.pushed_influences,
        "pushed_records": report.pushed_records,
        "retired": report.retired,
        "erased": report.erased,
        "hot_leads": report.hot_leads,
        "complaints": report.complaints,
        # Links from the contacts' social fields: counts only, never a username.
        "identity_links": vars(report.identity_links) if report.identity_links else None,
        "activities": report.activities,
        "activities_removed": report.activities_removed,
        "failed": len(report.failed),
        "crm_calls": report.crm_calls,
        "daily": report.daily,
        "slices": report.slices,
        "complete": report.complete,
        "checkpoint": report.checkpoint.isoformat() if report.checkpoint else None,
    }
    for key, reason in sorted(report.failed.items()):
        # The CRM's code only: its message may quote a record's values.
        code = reason.split(":", 1)[0]
        logger.warning("record refused by the CRM", extra={"record": str(key), "reason": code})
    if not report.complete:
        logger.info("time budget spent: the next run resumes where this one stopped")
    logger.info("synced", extra=answer)
    pushed = report.pushed_scores + report.pushed_influences + report.pushed_records
    telemetry.count(metrics, "CrmRecordsPushed", pushed)
    telemetry.count(metrics, "CrmCalls", report.crm_calls)
    return answer


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from socialscore.aws import config
    from socialscore.pipeline.crm_budget import Budget
    from socialscore.wiring.stages import crm_sync

    settings = config.CrmSyncConfig.from_environment()
    # Slices are begun while the invocation's time allows, and a Salesforce Bulk job is waited
    # for only within it; the next run resumes the rest.
    budget = Budget(lambda: context.get_remaining_time_in_millis() / 1000)
    # The request id names the run's lease: a retry of this invocation keeps it.
    return handle(event, crm_sync(settings, budget.left), budget, context.aws_request_id)
