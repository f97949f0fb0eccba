"""The CRM adapter crm_sync pushes to, as its configuration names it."""

from __future__ import annotations

from socialscore.aws.config import CrmSyncConfig
from socialscore.crm.base import Crm


def crm_from(config: CrmSyncConfig) -> Crm | None:
    """None when no CRM is configured (CrmAdapter=none, the template's default)."""
    if config.crm_adapter == "file":
        from socialscore.crm.file import FileCrm

        assert config.file_crm_opportunities  # the config checked
        assert config.file_crm_outbox
        return FileCrm(config.file_crm_opportunities, config.file_crm_outbox)
    return None
