"""The template's front door: the webhook route's own throttling, ingest's concurrency reserved
only when asked (a fresh account cannot reserve any), the replay memory's table reached by
ingest alone with three item actions, and an alarm on the 401 and 403 answers."""

from __future__ import annotations

from typing import Any

from tests.template.test_template import TEMPLATE, _evaluate, _role_of, _statements, transformed

__all__ = ["transformed"]  # the module's fixture, used here


def _stage(transformed: dict[str, Any]) -> dict[str, Any]:
    (stage,) = [r for r in transformed.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    props: dict[str, Any] = stage["Properties"]
    return props


def test_the_webhook_route_is_throttled_by_its_own_parameters(transformed: dict[str, Any]) -> None:
    route = _stage(transformed)["RouteSettings"]["ANY /webhooks/{source}"]
    assert route == {
        "ThrottlingBurstLimit": {"Ref": "WebhookBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "WebhookRateLimit"},
    }
    # The key throttled is a route the API has: SAM builds its routes as an OpenAPI body, where
    # ANY is x-amazon-apigateway-any-method.
    (api,) = [r for r in transformed.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    assert (
        "x-amazon-apigateway-any-method" in api["Properties"]["Body"]["paths"]["/webhooks/{source}"]
    )
    defaults = TEMPLATE.parameter_defaults()
    assert (defaults["WebhookRateLimit"], defaults["WebhookBurstLimit"]) == ("100", "200")


def test_ingest_reserves_no_concurrency_unless_asked() -> None:
    reserved = TEMPLATE.resources["IngestFunction"]["Properties"]["ReservedConcurrentExecutions"]
    # Lambda keeps 100 of an account's concurrency unreserved: on a new account's 10, any
    # reservation fails the deploy, so the default reserves none.
    assert _evaluate(reserved) == {"Ref": "AWS::NoValue"} or _evaluate(reserved) is None
    assert _evaluate(reserved, IngestReservedConcurrency="50") == "50"


def test_only_ingest_reaches_the_replay_memory_with_three_item_actions(
    transformed: dict[str, Any],
) -> None:
    readers = []
    for logical, resource in transformed.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        for statement in _statements(_role_of(transformed, logical)):
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            if {"Fn::GetAtt": ["DeliveriesTable", "Arn"]} in resources:
                readers.append(logical)
                assert sorted(statement["Action"]) == [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                ]
    assert readers == ["IngestFunction"]
    table = TEMPLATE.resources["DeliveriesTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    env = TEMPLATE.resources["IngestFunction"]["Properties"]["Environment"]["Variables"]
    assert env["DELIVERIES_TABLE"] == {"Ref": "DeliveriesTable"}


def test_the_refusal_alarm_sums_every_401_and_403_ingest_counts() -> None:
    alarm = TEMPLATE.resources["WebhookRefusalAlarm"]["Properties"]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    summed = {
        (
            {d["Name"]: d["Value"] for d in q["MetricStat"]["Metric"]["Dimensions"]}["source"],
            {d["Name"]: d["Value"] for d in q["MetricStat"]["Metric"]["Dimensions"]}["status"],
        )
        for q in queries.values()
        if "MetricStat" in q
    }
    # Every 401 a source can answer, and Meta's 403 for a wrong verify token.
    assert summed == {
        ("smms", "401"),
        ("x", "401"),
        ("meta", "401"),
        ("meta", "403"),
        ("linkedin", "401"),
    }
    for query in queries.values():
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            assert (metric["Namespace"], metric["MetricName"]) == (
                "socialscore",
                "WebhooksReceived",
            )
            assert {"Name": "service", "Value": "ingest"} in metric["Dimensions"]
    (total,) = [q for q in queries.values() if q.get("ReturnData")]
    assert all(f"FILL({i}, 0)" in total["Expression"] for i in queries if i != total["Id"])
    assert alarm["Threshold"] == {"Ref": "RefusalAlarmThreshold"}
