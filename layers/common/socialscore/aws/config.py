"""Each function's configuration: the environment template.yaml sets, validated at cold start.

A function reads its variables once, through its own model, and a missing or malformed one fails
the cold start with the variable named, rather than a batch later with a KeyError.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from socialscore.domain.scoring_model import ScoringModel, bundled, parse

LOCAL_ONLY = "{} is for the local runtime only: on Lambda its files live in /tmp and vanish"


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete or wrong: it was deployed without its template."""


class FunctionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_min_length=1)

    # Set by Lambda itself: what reads or writes local files is refused there.
    lambda_function_name: str | None = Field(None, alias="AWS_LAMBDA_FUNCTION_NAME")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        values = os.environ if environ is None else environ
        try:
            # An empty variable is an unset one (CloudFormation cannot unset a variable).
            return cls.model_validate({k: v for k, v in values.items() if v != ""})
        except ValidationError as err:
            problems = "; ".join(_problem(e["loc"], e["msg"]) for e in err.errors())
            raise ConfigurationError(f"{cls.__name__}: {problems} (set by template.yaml)") from None


def _problem(loc: tuple[int | str, ...], message: str) -> str:
    name = str(loc[0]) if loc else "environment"
    if message == "Field required":
        return f"environment variable {name} is not set"
    return f"{name}: {message}"


class IngestConfig(FunctionConfig):
    rehydrate_queue_url: str = Field(alias="REHYDRATE_QUEUE_URL")
    score_queue_url: str = Field(alias="SCORE_QUEUE_URL")
    webhook_secrets_arn: str = Field(alias="WEBHOOK_SECRETS_ARN")
    deliveries_table: str = Field(alias="DELIVERIES_TABLE")  # the signed delivery ids seen
    max_body_bytes: int = Field(262_144, alias="MAX_BODY_BYTES", ge=1024)
    # Meta sends a comment's words with it: they are matched at ingest, against this model.
    scoring_model_parameter: str | None = Field(None, alias="SCORING_MODEL_PARAMETER")


class RehydrateConfig(FunctionConfig):
    post_cache_table: str = Field(alias="POST_CACHE_TABLE")
    resolve_queue_url: str = Field(alias="RESOLVE_QUEUE_URL")
    rehydrate_queue_url: str = Field(alias="REHYDRATE_QUEUE_URL")
    # none: no provider, posts are credited on the source's word (the AWS default).
    post_provider: Literal["none", "fixture", "x"] = Field("none", alias="POST_PROVIDER")
    fixture_posts_path: Path | None = Field(None, alias="FIXTURE_POSTS_PATH")
    x_api_base_url: str = Field("https://api.x.com", alias="X_API_BASE_URL")
    x_api_secret_arn: str | None = Field(None, alias="X_API_SECRET_ARN")
    x_api_retry_backoff_seconds: float = Field(0.5, alias="X_API_RETRY_BACKOFF_SECONDS", ge=0)
    # linkedin: LinkedIn posts are looked up in LinkedIn's Posts API, beside PostProvider's.
    linkedin_provider: Literal["none", "linkedin"] = Field("none", alias="LINKEDIN_PROVIDER")
    linkedin_api_base_url: str = Field("https://api.linkedin.com", alias="LINKEDIN_API_BASE_URL")
    linkedin_api_secret_arn: str | None = Field(None, alias="LINKEDIN_API_SECRET_ARN")
    linkedin_api_version: str = Field("202510", alias="LINKEDIN_API_VERSION", pattern=r"^\d{6}$")
    short_links: Literal["resolve", "off"] = Field("resolve", alias="SHORT_LINKS")
    scoring_model_parameter: str | None = Field(None, alias="SCORING_MODEL_PARAMETER")

    @model_validator(mode="after")
    def _provider_needs(self) -> Self:
        if self.post_provider == "fixture" and self.lambda_function_name:
            raise ValueError(LOCAL_ONLY.format("POST_PROVIDER=fixture"))
        if self.post_provider == "fixture" and self.fixture_posts_path is None:
            raise ValueError("POST_PROVIDER=fixture needs FIXTURE_POSTS_PATH")
        if self.post_provider == "x" and self.x_api_secret_arn is None:
            raise ValueError("POST_PROVIDER=x needs X_API_SECRET_ARN")
        if self.linkedin_provider == "linkedin" and self.linkedin_api_secret_arn is None:
            raise ValueError("LINKEDIN_PROVIDER=linkedin needs LINKEDIN_API_SECRET_ARN")
        return self


class ResolveConfig(FunctionConfig):
    identities_table: str = Field(alias="IDENTITIES_TABLE")
    sellers_table: str = Field(alias="SELLERS_TABLE")
    score_queue_url: str = Field(alias="SCORE_QUEUE_URL")
    resolve_queue_url: str = Field(alias="RESOLVE_QUEUE_URL")  # a split pack's, sent back
    sync_state_table: str = Field(alias="SYNC_STATE_TABLE")  # identity links, for crm_sync
    scores_table: str = Field(alias="SCORES_TABLE")  # the contacts' ranking follows the links


class ProfilesConfig(FunctionConfig):
    """A function that scores profiles or reads their standing: the ledger, the scores, the
    identity links, and the live scoring model (its half-life and buckets)."""

    ledger_table: str = Field(alias="LEDGER_TABLE")
    scores_table: str = Field(alias="SCORES_TABLE")
    identities_table: str = Field(alias="IDENTITIES_TABLE")
    scoring_model_parameter: str | None = Field(None, alias="SCORING_MODEL_PARAMETER")


class ScoreConfig(ProfilesConfig):
    score_queue_url: str = Field(alias="SCORE_QUEUE_URL")
    # What crm_sync takes to the CRM: changed profiles, erasures, hot-lead tasks.
    sync_state_table: str = Field(alias="SYNC_STATE_TABLE")
    event_bus_name: str = Field("default", alias="EVENT_BUS_NAME")
    stack_id: str | None = Field(None, alias="STACK_ID")  # the events' `resources`
    # Whom a hot lead or complaint is routed to when no CRM owner or seller is known.
    owner_queue: str = Field("social-team", alias="OWNER_QUEUE")


class EngageConfig(ProfilesConfig):
    sellers_table: str = Field(alias="SELLERS_TABLE")


class CrmSyncConfig(ProfilesConfig):
    sync_state_table: str = Field(alias="SYNC_STATE_TABLE")
    # none: no CRM yet; the template then creates crm_sync's schedule disabled.
    crm_adapter: Literal["none", "file", "salesforce", "hubspot", "marketo"] = Field(
        "none", alias="CRM_ADAPTER"
    )
    # The CRM's credentials (a JSON secret): Salesforce {"domain", "client_id",
    # "client_secret"}, HubSpot {"token"}, Marketo {"endpoint", "client_id", "client_secret"}.
    crm_credentials_arn: str | None = Field(None, alias="CRM_CREDENTIALS_ARN")
    salesforce_api_version: str = Field(
        "v62.0", alias="SALESFORCE_API_VERSION", pattern=r"^v\d+\.0$"
    )
    hubspot_base_url: str = Field("https://api.hubapi.com", alias="HUBSPOT_BASE_URL")
    # An erasure also deletes the HubSpot contact (GDPR delete): off unless asked for.
    hubspot_gdpr_delete: bool = Field(False, alias="HUBSPOT_GDPR_DELETE")
    # Marketo: the run stops before the instance's API calls today (every integration's) pass it.
    marketo_daily_ceiling: int = Field(40_000, alias="MARKETO_DAILY_CEILING", ge=0)
    file_crm_opportunities: Path | None = Field(None, alias="FILE_CRM_OPPORTUNITIES")
    file_crm_outbox: Path | None = Field(None, alias="FILE_CRM_OUTBOX")
    # Each interaction as an activity on the contact's record (ActivitiesToCrm): on unless off.
    activities_to_crm: bool = Field(True, alias="ACTIVITIES_TO_CRM")
    # Links from the CRM contacts' social fields (CrmSocialFields): `default` (HubSpot's
    # twitterhandle; none on Salesforce), `none`, or field names, comma-separated. They need X's
    # user lookup: on only with the X bearer token's secret (PostProvider=x).
    crm_social_fields: str = Field("default", alias="CRM_SOCIAL_FIELDS", max_length=1000)
    x_api_secret_arn: str | None = Field(None, alias="X_API_SECRET_ARN")
    x_api_base_url: str = Field("https://api.x.com", alias="X_API_BASE_URL")

    @model_validator(mode="after")
    def _adapter_needs(self) -> Self:
        needs_secret = self.crm_adapter in ("salesforce", "hubspot", "marketo")
        if needs_secret and self.crm_credentials_arn is None:
            raise ValueError(f"CRM_ADAPTER={self.crm_adapter} needs CRM_CREDENTIALS_ARN")
        if self.crm_adapter == "file" and self.lambda_function_name:
            raise ValueError(LOCAL_ONLY.format("CRM_ADAPTER=file"))
        if self.crm_adapter == "file" and None in (
            self.file_crm_opportunities,
            self.file_crm_outbox,
        ):
            raise ValueError("CRM_ADAPTER=file needs FILE_CRM_OPPORTUNITIES and FILE_CRM_OUTBOX")
        return self


def scoring_model(parameter: str | None) -> ScoringModel:
    """The live model: the SSM parameter when one is named (cached 5 minutes), else bundled."""
    if not parameter:
        return bundled()
    from aws_lambda_powertools.utilities import parameters

    return parse(str(parameters.get_parameter(parameter_path(parameter), max_age=300)))


def parameter_path(name: str) -> str:
    """The parameter's name as SSM takes it: the template names it without its leading slash
    (for the IAM ARN)."""
    return name if name.startswith("/") or "/" not in name else f"/{name}"


class AttributionJobConfig(FunctionConfig):
    identities_table: str = Field(alias="IDENTITIES_TABLE")
    ledger_table: str = Field(alias="LEDGER_TABLE")
    # crm_sync's opportunities are read here, and the results written here.
    sync_state_table: str = Field(alias="SYNC_STATE_TABLE")
    journeys_table: str = Field(alias="JOURNEYS_TABLE")  # the kept summaries and counts
    attribution_channel: Literal["network", "seller", "team", "kind"] = Field(
        "seller", alias="ATTRIBUTION_CHANNEL"
    )
    # Comma-separated: an environment variable is one string. Salesforce's label, HubSpot's id.
    won_stages: str = Field("Closed Won,closedwon", alias="WON_STAGES")
    scoring_model_parameter: str | None = Field(None, alias="SCORING_MODEL_PARAMETER")

    @property
    def won(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.won_stages.split(",") if s.strip())


class ReportConfig(ProfilesConfig):
    stack_name: str = Field(alias="STACK_NAME")
    sellers_table: str = Field(alias="SELLERS_TABLE")
    post_cache_table: str = Field(alias="POST_CACHE_TABLE")
    sync_state_table: str = Field(alias="SYNC_STATE_TABLE")
    report_bucket: str = Field(alias="REPORT_BUCKET")

    @property
    def name(self) -> str:
        return self.stack_name

    def table(self, logical: str) -> str:
        """A table's name by its logical id in template.yaml, as the report's reads name it."""
        names = {
            "IdentitiesTable": self.identities_table,
            "LedgerTable": self.ledger_table,
            "ScoresTable": self.scores_table,
            "SellersTable": self.sellers_table,
            "PostCacheTable": self.post_cache_table,
            "SyncStateTable": self.sync_state_table,
        }
        return names[logical]
