"""Deploying with CrmAdapter=marketo: crm_sync pushes to Marketo Engage, within the daily
ceiling the stack names."""

from __future__ import annotations

from socialscore.aws.config import CrmSyncConfig
from socialscore.crm.marketo import DEFAULT_DAILY_CEILING, MarketoCrm
from socialscore.crm.selection import crm_from
from tests.template.test_defaults_deploy import deployed_environment


def test_crm_adapter_marketo_pushes_to_marketo_within_the_stack_s_ceiling() -> None:
    default = CrmSyncConfig.from_environment(
        deployed_environment("CrmSyncFunction", CrmAdapter="marketo")
    )
    adapter = crm_from(default)
    assert isinstance(adapter, MarketoCrm)
    assert adapter.daily_ceiling == DEFAULT_DAILY_CEILING
    chosen = CrmSyncConfig.from_environment(
        deployed_environment("CrmSyncFunction", CrmAdapter="marketo", MarketoDailyCeiling="9000")
    )
    adapter = crm_from(chosen)
    assert isinstance(adapter, MarketoCrm)
    assert adapter.daily_ceiling == 9_000


def test_marketo_waits_only_within_the_invocation_s_time() -> None:
    settings = CrmSyncConfig.from_environment(
        deployed_environment("CrmSyncFunction", CrmAdapter="marketo")
    )
    adapter = crm_from(settings, lambda: 42.0)
    assert isinstance(adapter, MarketoCrm)
    assert adapter.api.time_left() == 42.0  # crm_sync's budget, not forever
