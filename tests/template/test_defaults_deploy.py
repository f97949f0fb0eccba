"""A stack deployed with every parameter at its default works: each function's environment, as
the template sets it on AWS, passes that function's configuration check at cold start."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialscore.aws.config import (
    AttributionJobConfig,
    ConfigurationError,
    CrmSyncConfig,
    EngageConfig,
    FunctionConfig,
    IngestConfig,
    RehydrateConfig,
    ReportConfig,
    ResolveConfig,
    ScoreConfig,
)
from socialscore.crm.selection import crm_from
from socialscore.wiring.rehydrate import post_provider
from socialscore_ops.template import Template, evaluate

ROOT = Path(__file__).resolve().parents[2]
CONFIGS: dict[str, type[FunctionConfig]] = {
    "IngestFunction": IngestConfig,
    "RehydrateFunction": RehydrateConfig,
    "ResolveFunction": ResolveConfig,
    "ScoreFunction": ScoreConfig,
    "CrmSyncFunction": CrmSyncConfig,
    "AttributionFunction": AttributionJobConfig,
    "ReportFunction": ReportConfig,
    "EngageFunction": EngageConfig,
}


def deployed_environment(logical_id: str, **parameters: str) -> dict[str, str]:
    """The function's variables on AWS: template defaults, refs as placeholders, and what
    Lambda itself sets."""
    template = Template.read(ROOT / "template.yaml")
    values = template.parameter_defaults() | parameters
    values |= {"AWS::Region": "eu-west-1", "AWS::AccountId": "1", "AWS::StackName": "s"}
    values |= {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::StackId": "s/1"}
    [fn] = [f for f in template.functions() if f.logical_id == logical_id]
    conditions = template.document.get("Conditions", {})

    def ref(logical: str, attribute: str | None) -> str:
        return f"{logical}.{attribute or 'Ref'}"

    env = evaluate(fn.environment, ref, values, conditions)
    return {k: str(v) for k, v in env.items()} | {"AWS_LAMBDA_FUNCTION_NAME": f"s-{logical_id}"}


def test_every_function_is_configured_by_the_template_s_defaults() -> None:
    assert set(CONFIGS) == {f.logical_id for f in Template.read(ROOT / "template.yaml").functions()}
    for logical_id, config in CONFIGS.items():
        config.from_environment(deployed_environment(logical_id))


def test_by_default_posts_are_credited_on_the_source_s_word_and_no_crm_is_pushed_to() -> None:
    rehydrate = RehydrateConfig.from_environment(deployed_environment("RehydrateFunction"))
    assert post_provider(rehydrate).networks == frozenset()
    crm_sync = CrmSyncConfig.from_environment(deployed_environment("CrmSyncFunction"))
    assert crm_from(crm_sync) is None


@pytest.mark.parametrize(
    ("logical_id", "config", "parameter", "variable", "value"),
    [
        ("RehydrateFunction", RehydrateConfig, "PostProvider", "FIXTURE_POSTS_PATH", "fixture"),
        ("CrmSyncFunction", CrmSyncConfig, "CrmAdapter", "FILE_CRM_OUTBOX", "file"),
    ],
)
def test_local_file_adapters_are_refused_on_lambda_even_past_the_template_s_rules(
    logical_id: str, config: type[FunctionConfig], parameter: str, variable: str, value: str
) -> None:
    env = deployed_environment(logical_id, **{parameter: value})
    env |= {"FIXTURE_POSTS_PATH": "/tmp/p.json", "FILE_CRM_OPPORTUNITIES": "/tmp/o.json"}
    env |= {variable: "/tmp/x"}
    adapter = {"PostProvider": "POST_PROVIDER", "CrmAdapter": "CRM_ADAPTER"}[parameter]
    with pytest.raises(ConfigurationError, match=f"{adapter}={value} is for the local runtime"):
        config.from_environment(env)
    del env["AWS_LAMBDA_FUNCTION_NAME"]  # the same files, locally: taken
    config.from_environment(env)


def test_a_missing_variable_is_named_at_cold_start() -> None:
    env = deployed_environment("ScoreFunction")
    del env["LEDGER_TABLE"]
    with pytest.raises(ConfigurationError, match="LEDGER_TABLE is not set"):
        ScoreConfig.from_environment(env)
