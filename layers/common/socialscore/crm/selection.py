"""The CRM adapter crm_sync pushes to, as its configuration names it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from socialscore.aws.config import CrmSyncConfig
from socialscore.aws.secrets import json_secret, text_secret

if TYPE_CHECKING:  # each adapter imported only when configured: cold start
    from socialscore.crm.file import FileCrm
    from socialscore.crm.hubspot import HubSpotCrm
    from socialscore.crm.marketo import MarketoCrm
    from socialscore.crm.salesforce import SalesforceCrm


def crm_from(
    config: CrmSyncConfig, time_left: Callable[[], float] = lambda: math.inf
) -> SalesforceCrm | HubSpotCrm | MarketoCrm | FileCrm | None:
    """The adapter, each meeting crm_sync's port (pipeline.ports.Crm); None when no CRM is
    configured (CrmAdapter=none, the template's default). `time_left`: seconds the run may
    still spend on a push (what a Salesforce Bulk job may wait; whether HubSpot's GDPR deletes
    go on; how long Marketo may wait on its limits)."""
    arn = config.crm_credentials_arn or ""
    if config.crm_adapter == "salesforce":
        from socialscore.crm.salesforce import SalesforceCrm

        return SalesforceCrm(
            lambda refresh: json_secret(arn, refresh=refresh),
            config.salesforce_api_version,
            time_left=time_left,
        )
    if config.crm_adapter == "hubspot":
        from socialscore.crm.hubspot import HubSpotCrm
        from socialscore.crm.hubspot_app_token import AppToken
        from socialscore.crm.hubspot_http import HubSpotApi
        from socialscore.crm.hubspot_timeline import HubSpotTimeline, Templates

        def app() -> dict[str, Any]:  # the secret's `timeline` object (README, HubSpot)
            found = json_secret(arn).get("timeline")
            return found if isinstance(found, dict) else {}

        base = config.hubspot_base_url
        return HubSpotCrm(
            lambda refresh: text_secret(arn, "token", refresh=refresh),
            base,
            gdpr_delete=config.hubspot_gdpr_delete,
            time_left=time_left,
            timeline=HubSpotTimeline(
                HubSpotApi(AppToken(app, base), base), lambda: Templates.of(app())
            ),
        )
    if config.crm_adapter == "marketo":
        from socialscore.crm.marketo import MarketoCrm

        return MarketoCrm(
            lambda refresh: json_secret(arn, refresh=refresh),
            daily_ceiling=config.marketo_daily_ceiling,
            time_left=time_left,
        )
    if config.crm_adapter == "file":
        from socialscore.crm.file import FileCrm

        assert config.file_crm_opportunities  # the config checked
        assert config.file_crm_outbox
        return FileCrm(config.file_crm_opportunities, config.file_crm_outbox)
    return None
