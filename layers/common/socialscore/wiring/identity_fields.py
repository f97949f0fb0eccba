"""crm_sync's links from the CRM contacts' social fields (pipeline.crm_identities), on the
stack's identities and sync-state tables, X's user lookup and the CRM's own API, as the
configuration names them; None when off."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialscore.aws.config import CrmSyncConfig
    from socialscore.pipeline.crm_identities import ContactFieldsReader, CrmIdentities


def identity_fields(s: CrmSyncConfig) -> CrmIdentities | None:
    """The step, or None: no X bearer token's secret, no CRM with contact fields, or no field
    to read (`none`; Salesforce with `default`)."""
    reader = _reader(s)
    if reader is None or not s.x_api_secret_arn:
        return None
    from socialscore.pipeline.crm_identities import CrmIdentities
    from socialscore.providers.x_api import BearerToken
    from socialscore.providers.x_users import XUsernames
    from socialscore.store.identity_review import IdentityReview
    from socialscore.store.sync_state import SyncState
    from socialscore.wiring.links import linker

    return CrmIdentities(
        reader,
        XUsernames.at(BearerToken(s.x_api_secret_arn), s.x_api_base_url),
        linker(s.identities_table, s.scores_table),  # the contacts' ranking follows links
        IdentityReview(s.sync_state_table),
        SyncState(s.sync_state_table),
    )


def fields(named: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """CRM_SOCIAL_FIELDS read: `default`, `none` (no field), or names, comma-separated."""
    if named.strip().lower() == "default":
        return default
    if named.strip().lower() == "none":
        return ()
    return tuple(f.strip() for f in named.split(",") if f.strip())


def _reader(s: CrmSyncConfig) -> ContactFieldsReader | None:
    arn = s.crm_credentials_arn or ""
    if s.crm_adapter == "hubspot":
        from socialscore.aws.secrets import text_secret
        from socialscore.crm.contact_fields import HUBSPOT_FIELDS, HubSpotContactFields
        from socialscore.crm.hubspot_http import HubSpotApi

        names = fields(s.crm_social_fields, HUBSPOT_FIELDS)
        api = HubSpotApi(
            lambda refresh: text_secret(arn, "token", refresh=refresh), s.hubspot_base_url
        )
        return HubSpotContactFields(api, names) if names else None
    if s.crm_adapter == "salesforce":
        import urllib3

        from socialscore.aws.http import shared_pool
        from socialscore.aws.secrets import json_secret
        from socialscore.crm.contact_fields import SalesforceContactFields
        from socialscore.crm.salesforce_api import SalesforceApi

        # No field of Salesforce's own holds an X profile: only the org's, when named.
        names = fields(s.crm_social_fields, ())
        if not names:
            return None
        salesforce = SalesforceApi(
            lambda refresh: json_secret(arn, refresh=refresh),
            s.salesforce_api_version,
            pool=shared_pool(),
            sleep=time.sleep,
            timeout=urllib3.Timeout(connect=5.0, read=60.0),
        )
        return SalesforceContactFields(salesforce, names)
    return None
