"""The use cases ingest, resolve, the score stage, the attribution job and crm_sync run, on the
stack's tables, queues, secrets and bus as the function's configuration names them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from socialscore.wiring.links import linker

if TYPE_CHECKING:
    from socialscore.aws.config import (
        AttributionJobConfig,
        CrmSyncConfig,
        IngestConfig,
        ResolveConfig,
        ScoreConfig,
    )
    from socialscore.aws.sqs import SqsQueue
    from socialscore.pipeline.channel_attribution import ChannelAttributionJob
    from socialscore.pipeline.crm_sync import CrmSync
    from socialscore.pipeline.crm_work import SliceSize
    from socialscore.pipeline.ingest import Ingest
    from socialscore.pipeline.ports import Crm
    from socialscore.pipeline.scoring import Scorer
    from socialscore.pipeline.webhook_secrets import SecretProblem
    from socialscore.store.identities import Identities
    from socialscore.store.sellers import Sellers
    from socialscore.store.sync_state import SyncState


def ingest(config: IngestConfig, report: Callable[[list[SecretProblem]], None]) -> Ingest:
    """The front door, its webhook secrets read now: `report` hears of any that is no secret
    before the first request is answered."""
    from datetime import UTC, datetime

    from botocore.exceptions import BotoCoreError, ClientError

    from socialscore.aws.config import scoring_model
    from socialscore.aws.secrets import json_secret
    from socialscore.aws.sqs import SqsQueue
    from socialscore.pipeline.ingest import SOURCES, Ingest
    from socialscore.pipeline.webhook_secrets import WebhookSecrets
    from socialscore.sources.linkedin import LinkedInSource
    from socialscore.sources.meta import MetaSource
    from socialscore.store.deliveries import DeliveriesTable

    secrets = WebhookSecrets(
        lambda refresh: json_secret(config.webhook_secrets_arn, refresh=refresh), report=report
    )
    secrets.current()
    return Ingest(
        secrets=secrets,
        interactions=SqsQueue(config.rehydrate_queue_url),
        retractions=SqsQueue(config.score_queue_url),
        deliveries=DeliveriesTable(config.deliveries_table),
        clock=lambda: datetime.now(UTC),
        max_body_bytes=config.max_body_bytes,
        outages=(ClientError, BotoCoreError),  # SQS or DynamoDB not answering: a 503
        # Comment words are matched against the model the other stages score with.
        sources={
            **SOURCES,
            "meta": MetaSource(lambda: scoring_model(config.scoring_model_parameter)),
            "linkedin": LinkedInSource(lambda: scoring_model(config.scoring_model_parameter)),
        },
    )


def resolve_ports(
    config: ResolveConfig,
) -> tuple[Identities, Sellers, SqsQueue, SyncState, SqsQueue]:
    """(the identity links, the seller registry, the score queue, the marks crm_sync takes, its
    own queue for a split pack's messages sent back alone)"""
    from socialscore.aws.sqs import SqsQueue
    from socialscore.store.sellers import Sellers
    from socialscore.store.sync_state import SyncState

    return (
        linker(config.identities_table, config.scores_table),
        Sellers(config.sellers_table),
        SqsQueue(config.score_queue_url),
        SyncState(config.sync_state_table),
        SqsQueue(config.resolve_queue_url),
    )


def scorer(s: ScoreConfig) -> Scorer:
    from socialscore.aws.events import EventBridgeBus
    from socialscore.aws.sqs import SqsQueue
    from socialscore.pipeline.scoring import Scorer
    from socialscore.store.complaint_flags import ComplaintFlags
    from socialscore.store.engage import EngageStore
    from socialscore.store.ledger import Ledger
    from socialscore.store.scores import Scores
    from socialscore.store.sync_state import SyncState

    return Scorer(
        Ledger(s.ledger_table, s.scores_table, s.sync_state_table),
        Scores(s.scores_table),
        linker(s.identities_table, s.scores_table),  # an erasure unlinks
        EventBridgeBus(s.event_bus_name, s.stack_id),
        SqsQueue(s.score_queue_url),
        SyncState(s.sync_state_table),
        ComplaintFlags(s.ledger_table),
        s.owner_queue,
        EngageStore(s.ledger_table),
    )


def channel_attribution_job(s: AttributionJobConfig) -> ChannelAttributionJob:
    from socialscore.aws import config
    from socialscore.pipeline.channel_attribution import ChannelAttributionJob
    from socialscore.store.channel_shares import ChannelShares
    from socialscore.store.identities import Identities
    from socialscore.store.journey_state import JourneyChanges, JourneyTable, LedgerProfiles
    from socialscore.store.ledger import Ledger
    from socialscore.store.sync_state import SyncState

    return ChannelAttributionJob(
        links=Identities(s.identities_table),
        # A reader: touches_of never touches the scores table, so none is named.
        ledger=Ledger(s.ledger_table, scores_table=""),
        opportunities=SyncState(s.sync_state_table),
        changes=JourneyChanges(s.sync_state_table),
        profiles=LedgerProfiles(s.ledger_table),
        state=JourneyTable(s.journeys_table),
        store=ChannelShares(s.sync_state_table),
        model_version=config.scoring_model(s.scoring_model_parameter).version,
        channel=s.attribution_channel,
        won_stages=s.won,
    )


def crm_sync(s: CrmSyncConfig, seconds_left: Callable[[], float]) -> CrmSync | None:
    """The run on the CRM CrmAdapter names, None for CrmAdapter=none; `seconds_left`: the
    invocation's time (a Salesforce Bulk job is waited for only within it)."""
    from socialscore.aws import config
    from socialscore.crm.selection import crm_from
    from socialscore.pipeline.bucket_tally import BucketTally
    from socialscore.pipeline.crm_activities import ActivitySync
    from socialscore.pipeline.crm_sync import CrmSync
    from socialscore.store.bucket_tally import BucketTallyStore
    from socialscore.store.identity_review import IdentityReview
    from socialscore.store.ledger import Ledger
    from socialscore.store.scores import Scores
    from socialscore.store.sync_state import SyncState
    from socialscore.wiring.identity_fields import identity_fields

    crm = crm_from(s, seconds_left)
    if crm is None:
        return None
    ledger, state = Ledger(s.ledger_table, s.scores_table), SyncState(s.sync_state_table)
    identities, scores = linker(s.identities_table, s.scores_table), Scores(s.scores_table)
    model = config.scoring_model(s.scoring_model_parameter)
    tally_store = BucketTallyStore(s.sync_state_table)  # the report's bucket counts
    return CrmSync(
        crm,
        identities,
        ledger,
        scores,
        state,
        model,
        size=slice_size(crm.name),
        tally=BucketTally(tally_store, state, identities, ledger, scores, model),
        activities=ActivitySync(crm, ledger, state) if activities_on(s, crm) else None,
        identity_fields=identity_fields(s),
        identity_review=IdentityReview(s.sync_state_table),  # erasures, whether fields are on
    )


def activities_on(s: CrmSyncConfig, crm: Crm) -> bool:
    """ActivitiesToCrm, unless HubSpot's timeline is not set up (no public app templates in the
    secret): every activity would fail, run after run, so the step is left off and says so."""
    if not s.activities_to_crm or crm.name != "hubspot":
        return s.activities_to_crm
    from socialscore.aws.logs import logger
    from socialscore.crm.hubspot import HubSpotCrm

    ready = isinstance(crm, HubSpotCrm) and crm.timeline is not None and crm.timeline.ready()
    if not ready:
        logger().warning("activities off: the HubSpot secret has no timeline app (see README)")
    return ready


def slice_size(crm: str) -> SliceSize:
    """Salesforce writes more than BULK_THRESHOLD records of an object in one Bulk API 2.0 job
    (its advice above 2,000 records): its slices hold five jobs' worth of contacts, so a big run
    goes by jobs instead of 200-record calls. HubSpot's batch APIs take 100 a call whatever the
    slice: it keeps the default."""
    from socialscore.crm.salesforce_bulk import BULK_THRESHOLD
    from socialscore.pipeline.crm_work import SliceSize

    if crm == "salesforce":
        return SliceSize(contacts=5 * BULK_THRESHOLD, opportunities=500)
    return SliceSize()
