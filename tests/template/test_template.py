"""template.yaml: lint, offline SAM transform, and the properties the stack must have on AWS."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from socialscore_ops.template import Template, evaluate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template.read(ROOT / "template.yaml")
FUNCTIONS = {f.logical_id: f for f in TEMPLATE.functions()}
STAGES = {
    "IngestFunction": "ingest",
    "RehydrateFunction": "rehydrate",
    "ResolveFunction": "resolve",
    "ScoreFunction": "score",
    "CrmSyncFunction": "crm_sync",
    "AttributionFunction": "attribution",
    "ReportFunction": "report",
    "EngageFunction": "engage",
}
# What each consumer's trigger reads, and nothing else.
OWN_QUEUE = {
    "RehydrateFunction": "RehydrateQueue",
    "ResolveFunction": "ResolveQueue",
    "ScoreFunction": "ScoreQueue",
}
STACK = "socialscore"
# Managed policies SAM attaches that the roles may keep, and why they are acceptable.
ALLOWED_MANAGED_POLICIES = {
    # Always attached to a SAM function's role: logs:CreateLogGroup, CreateLogStream,
    # PutLogEvents. Writing logs only; nothing readable, nothing of another service.
    "service-role/AWSLambdaBasicExecutionRole",
    # Tracing: Active. X-Ray's PutTraceSegments and friends take no resource-level permission.
    "AWSXrayWriteOnlyAccess",
}
LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096]
LOG_RETENTION_DAYS += [1827, 2192, 2557, 2922, 3288, 3653]
EMF_METRICS = [
    "WebhooksReceived",
    "WebhooksRefused",
    "EventsIgnored",
    "SecretsRefused",
    "InteractionsQueued",
    "CacheHits",
    "CacheMisses",
    "ProviderLookups",
    "InteractionsForwarded",
    "InteractionsDropped",
    "InteractionsDeferred",
    "InteractionsFailed",
    "PoisonMessages",
    "TouchesWritten",
    "HotLeads",
    "CrmRecordsPushed",
    "Complaints",
]


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only when a template names them by name."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    # Imported here, as cfn-lint below: every xdist worker collects every file, and importing
    # the SAM translator and cfn-lint (sympy, networkx) cost each of them 1.2 s at collection.
    # The SAM translator and cfn-lint ship no type information (no py.typed, no stubs).
    from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
    from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

    document = Template.read(ROOT / "template.yaml").document
    for logical, resource in document["Resources"].items():  # what `sam package` does first
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = f"s3://artifacts/{logical}.zip"
    translator = Translator(
        None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1")
    )
    parameters = {"AWS::AccountId": "123456789012"}
    result: dict[str, Any] = translator.translate(document, parameters, _NoManagedPolicies().load)
    resources: dict[str, Any] = result["Resources"]
    return resources


def _evaluate(value: Any, **parameters: str) -> Any:
    """A value as CloudFormation would see it, with the given parameters (others: defaults).
    A resource's Ref is its logical id; an attribute is "<logical id>.<attribute>"."""
    given = TEMPLATE.parameter_defaults() | parameters
    given |= {"AWS::StackName": STACK, "AWS::Region": "us-east-1", "AWS::Partition": "aws"}
    given |= {"AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com"}
    given |= {"AWS::StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK}/1"}
    return evaluate(
        value,
        lambda logical, attribute: logical if attribute is None else f"{logical}.{attribute}",
        given,
        TEMPLATE.document.get("Conditions", {}),
    )


def test_cfn_lint_passes_informational_checks_and_the_serverless_rules_included() -> None:
    """The rules .cfnlintrc appends for `cfn-lint template.yaml`: awslabs/serverless-rules."""
    from cfnlint.api import lint_file  # type: ignore[import-untyped]  # no py.typed, no stubs
    from cfnlint.config import ManualArgs  # type: ignore[import-untyped]

    config = ManualArgs(include_checks=["I"], append_rules=["cfn_lint_serverless.rules"])
    problems = lint_file(ROOT / "template.yaml", config=config)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_what_cfn_lint_s_serverless_rules_check_holds_but_where_they_misread_the_template() -> None:
    """cfn-lint-serverless checks these; the template ignores its findings only where they do
    not apply, each said beside the resource: ES6000 (a queue without a RedrivePolicy) on the
    DLQs, ES1001 (no OnFailure destination) on SQS triggers, which Lambda gives none, WS1004
    (no log group /aws/lambda/<name> with a retention) on functions whose LoggingConfig names
    their log group, which has one."""
    resources = TEMPLATE.resources
    ignored = {
        logical: spec["Metadata"]["cfn-lint"]["config"]["ignore_checks"]
        for logical, spec in resources.items()
        if "cfn-lint" in spec.get("Metadata", {})
    }
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    rules = TEMPLATE.of_type("AWS::Events::Rule").values()
    subscriptions = TEMPLATE.of_type("AWS::SNS::Subscription").values()
    dead_letters = [
        q["RedrivePolicy"]["deadLetterTargetArn"] for q in queues.values() if q.get("RedrivePolicy")
    ]
    dead_letters += [t["DeadLetterConfig"]["Arn"] for r in rules for t in r["Targets"]]
    dead_letters += [s["RedrivePolicy"]["deadLetterTargetArn"] for s in subscriptions]
    dlqs = {_first(arn) for arn in dead_letters}
    sqs_triggers = {
        logical
        for logical, m in TEMPLATE.of_type("AWS::Lambda::EventSourceMapping").items()
        if _first(m["EventSourceArn"]) in queues
    }
    functions = TEMPLATE.of_type("AWS::Serverless::Function")
    logged = {name for name, f in functions.items() if f.get("LoggingConfig", {}).get("LogGroup")}
    groups = TEMPLATE.of_type("AWS::Logs::LogGroup")
    assert all(
        groups[_first(functions[name]["LoggingConfig"]["LogGroup"])].get("RetentionInDays")
        for name in logged
    )  # WS1004
    assert ignored == (
        {q: ["ES6000"] for q in dlqs}
        | {t: ["ES1001"] for t in sqs_triggers}
        | {f: ["WS1004"] for f in logged}
    )
    assert dlqs <= set(queues)
    assert all("RedrivePolicy" in q for name, q in queues.items() if name not in dlqs)  # ES6000
    assert all("DeadLetterConfig" in t for r in rules for t in r["Targets"])  # ES4000
    assert all("RedrivePolicy" in s for s in subscriptions)  # ES7000
    assert not any(
        m.get("DestinationConfig")
        for m in TEMPLATE.of_type("AWS::Lambda::EventSourceMapping").values()
    )


def test_sam_transform_makes_the_eight_functions_and_their_triggers(
    transformed: dict[str, Any],
) -> None:
    kinds = [r["Type"] for r in transformed.values()]
    assert kinds.count("AWS::Lambda::Function") == 8
    assert kinds.count("AWS::Lambda::EventSourceMapping") == 3
    assert kinds.count("AWS::Scheduler::Schedule") == 3  # crm_sync, attribution, report
    mappings = [
        r["Properties"] for r in transformed.values() if r["Type"].endswith("SourceMapping")
    ]
    assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)
    for mapping in mappings:  # bounded by the poller, not by throttling (see the template)
        assert mapping["ScalingConfig"] == {
            "MaximumConcurrency": {"Ref": "QueueMaximumConcurrency"}
        }
    concurrency = TEMPLATE.document["Parameters"]["QueueMaximumConcurrency"]
    assert concurrency["Default"] == 10
    assert concurrency["MinValue"] == 2  # Lambda's smallest MaximumConcurrency


def test_only_the_engage_route_asks_for_a_sigv4_signature(transformed: dict[str, Any]) -> None:
    """The queue names profiles and contacts: IAM-signed callers only. The webhooks are signed
    by their senders, whom API Gateway cannot authorise."""
    api = next(r for r in transformed.values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    routes = api["Properties"]["Body"]["paths"]
    auth = {
        (path, method): op.get("security")
        for path, ops in routes.items()
        for method, op in ops.items()
        if isinstance(op, dict)
    }
    assert auth[("/engage", "get")] == [{"AWS_IAM": []}]
    assert auth[("/webhooks/{source}", "x-amazon-apigateway-any-method")] in (None, [{"NONE": []}])


def test_schedule_name_is_unique_per_stack(transformed: dict[str, Any]) -> None:
    schedules = [r for r in transformed.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    names = [s["Properties"]["Name"]["Fn::Sub"] for s in schedules]
    assert len(set(names)) == len(names) == 3
    assert all("${AWS::StackName}" in name for name in names)


def test_the_local_runtime_finds_each_consumers_trigger() -> None:
    sources = {
        name: [(s.queue, s.batch_size, s.report_failures) for s in fn.queue_sources]
        for name, fn in FUNCTIONS.items()
    }
    assert sources == {
        "IngestFunction": [],
        "RehydrateFunction": [("RehydrateQueue", 10, True)],
        "ResolveFunction": [("ResolveQueue", 10, True)],
        "ScoreFunction": [("ScoreQueue", 10, True)],
        "CrmSyncFunction": [],
        "AttributionFunction": [],
        "ReportFunction": [],
        "EngageFunction": [],
    }


@pytest.mark.parametrize("consumer", [f for f in FUNCTIONS.values() if f.queue_sources])
def test_every_consumed_queue_has_a_dlq_and_six_times_the_visibility(consumer: Any) -> None:
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    for source in consumer.queue_sources:
        queue = queues[source.queue]
        assert queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues
        # One number for both: the consumer logs the delivery SQS gives up after at ERROR.
        assert queue["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
        assert consumer.environment["MAX_RECEIVE_COUNT"] == {"Ref": "MaxReceiveCount"}
        assert queue["VisibilityTimeout"] >= 6 * consumer.timeout
        assert source.report_failures


def test_max_receive_count_is_one_parameter_in_sqs_s_range() -> None:
    parameter = TEMPLATE.document["Parameters"]["MaxReceiveCount"]
    assert (parameter["Type"], parameter["Default"]) == ("Number", 5)
    assert (parameter["MinValue"], parameter["MaxValue"]) == (1, 1000)  # what SQS takes
    readers = [name for name, fn in FUNCTIONS.items() if "MAX_RECEIVE_COUNT" in fn.environment]
    assert readers == [name for name, fn in FUNCTIONS.items() if fn.queue_sources]
    assert _evaluate(FUNCTIONS["ScoreFunction"].environment)["MAX_RECEIVE_COUNT"] == "5"


def test_tables_are_on_demand_with_point_in_time_recovery_and_outlive_the_stack() -> None:
    tables = {k: v for k, v in TEMPLATE.resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert len(tables) == 8
    for table in tables.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"
        assert table["UpdateReplacePolicy"] == "Retain"


def test_function_roles_never_grant_wildcards(transformed: dict[str, Any]) -> None:
    roles = {k: r for k, r in transformed.items() if r["Type"] == "AWS::IAM::Role"}
    assert len(roles) == 12  # eight functions, a scheduler role per schedule, Slack delivery
    for logical, role in roles.items():
        for statement in _statements(role):
            assert "NotAction" not in statement
            assert "NotResource" not in statement
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action, (logical, action)  # no service, no verb family
            resources = statement["Resource"]
            for resource in [resources] if isinstance(resources, str | dict) else resources:
                assert resource != "*", (logical, statement)
                assert not _arn_text(resource).endswith("*"), (logical, statement)  # arn:...:*
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            name = _managed_policy_name(arn)
            assert name in ALLOWED_MANAGED_POLICIES, (logical, name)


def test_no_role_gets_the_managed_sqs_policy(transformed: dict[str, Any]) -> None:
    """AWSLambdaSQSQueueExecutionRole receives and deletes on every queue (Resource "*"),
    which is what SAM's `Events: Type: SQS` attaches."""
    for role in (r for r in transformed.values() if r["Type"] == "AWS::IAM::Role"):
        names = {_managed_policy_name(a) for a in role["Properties"].get("ManagedPolicyArns", [])}
        assert "service-role/AWSLambdaSQSQueueExecutionRole" not in names


@pytest.mark.parametrize("function", STAGES)
def test_each_function_receives_from_its_own_queue_only(
    transformed: dict[str, Any], function: str
) -> None:
    role = _role_of(transformed, function)
    consuming = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteMessageBatch"}
    consuming |= {"sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch"}
    read_from: set[str] = set()
    for statement in _statements(role):
        actions = statement["Action"]
        if consuming & set([actions] if isinstance(actions, str) else actions):
            read_from |= set(_named(statement["Resource"]))
    assert read_from == ({OWN_QUEUE[function]} if function in OWN_QUEUE else set())
    mapped = {
        _first(m["Properties"]["EventSourceArn"])
        for m in transformed.values()
        if m["Type"] == "AWS::Lambda::EventSourceMapping"
        and m["Properties"]["FunctionName"] == {"Ref": function}
    }
    assert mapped == read_from


@pytest.mark.parametrize("function", FUNCTIONS.values(), ids=lambda f: f.logical_id)
def test_every_handler_path_imports(function: Any) -> None:
    module, attribute = function.handler.rsplit(".", 1)
    path = ROOT / function.code_uri / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"template_check_{module}", path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    assert callable(getattr(loaded, attribute))


# --- defaults that work on AWS --------------------------------------------------------------


def test_every_default_passes_the_rules() -> None:
    assert _refused() == []


@pytest.mark.parametrize(
    ("parameter", "value"), [("PostProvider", "fixture"), ("CrmAdapter", "file")]
)
def test_the_rules_refuse_what_only_runs_locally(parameter: str, value: str) -> None:
    (message,) = _refused(**{parameter: value})
    assert f"{parameter}={value}" in message
    assert "fixture/file are for the local runtime only" in message


def test_the_rules_take_the_x_provider() -> None:
    assert _refused(PostProvider="x") == []


def test_defaults_need_no_provider_no_crm_and_no_local_file() -> None:
    defaults = TEMPLATE.parameter_defaults()
    assert defaults["PostProvider"] == "none"
    assert defaults["CrmAdapter"] == "none"
    assert TEMPLATE.document["Parameters"]["PostProvider"]["AllowedValues"] == [
        "none",
        "fixture",
        "x",
    ]
    assert TEMPLATE.document["Parameters"]["CrmAdapter"]["AllowedValues"] == [
        "none",
        "salesforce",
        "hubspot",
        "marketo",
        "file",
    ]
    for fn in FUNCTIONS.values():
        environment = _evaluate(fn.environment)
        local_only = {"FIXTURE_POSTS_PATH", "FILE_CRM_OPPORTUNITIES", "FILE_CRM_OUTBOX"}
        assert not local_only & set(environment), fn.logical_id  # the local runtime sets them
        assert not any("/tmp" in str(v) for v in environment.values()), fn.logical_id
    assert _evaluate(FUNCTIONS["RehydrateFunction"].environment)["POST_PROVIDER"] == "none"
    assert _evaluate(FUNCTIONS["CrmSyncFunction"].environment)["CRM_ADAPTER"] == "none"


@pytest.mark.parametrize(("adapter", "state"), [("none", "DISABLED"), ("file", "ENABLED")])
@pytest.mark.parametrize("function", ["CrmSyncFunction", "AttributionFunction"])
def test_crm_sync_is_scheduled_only_with_a_crm(adapter: str, state: str, function: str) -> None:
    (schedule,) = FUNCTIONS[function].schedules
    assert _evaluate(schedule["State"], CrmAdapter=adapter) == state


def test_the_crm_credentials_reach_crm_sync_only() -> None:
    readers = [
        name
        for name, fn in FUNCTIONS.items()
        if {"Ref": "CrmCredentials"} in fn.environment.values()
    ]
    assert readers == ["CrmSyncFunction"]
    assert FUNCTIONS["CrmSyncFunction"].environment["CRM_CREDENTIALS_ARN"] == {
        "Ref": "CrmCredentials"
    }


# --- observability ---------------------------------------------------------------------------


@pytest.mark.parametrize("topic", ["", "arn:aws:sns:us-east-1:123456789012:oncall"])
def test_dlq_and_refusal_alarms_notify_a_topic(topic: str) -> None:
    alarms = TEMPLATE.of_type("AWS::CloudWatch::Alarm")
    assert len(alarms) == 4  # a DLQ's each, and webhooks answered 401 or 403
    expected = "AlarmTopic" if topic == "" else topic  # the stack's own topic when none is given
    for alarm in alarms.values():
        assert _evaluate(alarm["AlarmActions"], AlarmTopicArn=topic) == [expected]
        assert _evaluate(alarm["OKActions"], AlarmTopicArn=topic) == [expected]
    output = TEMPLATE.document["Outputs"]["AlarmTopicArn"]["Value"]
    assert _evaluate(output, AlarmTopicArn=topic) == expected
    assert TEMPLATE.resources["AlarmTopic"]["Condition"] == "CreateAlarmTopic"
    assert _evaluate({"Condition": "CreateAlarmTopic"}, AlarmTopicArn=topic) is (topic == "")


@pytest.mark.parametrize("function", STAGES)
def test_every_function_logs_to_its_own_log_group_with_retention(
    transformed: dict[str, Any], function: str
) -> None:
    props = TEMPLATE.resources[function]["Properties"]
    group = props["LoggingConfig"]["LogGroup"]["Ref"]
    name = _evaluate(props["FunctionName"])
    assert name == f"{STACK}-{STAGES[function]}"
    log_group = TEMPLATE.of_type("AWS::Logs::LogGroup")[group]
    assert _evaluate(log_group["LogGroupName"]) == f"/aws/lambda/{name}"
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # SAM hands LoggingConfig to the function as it is.
    assert transformed[function]["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": group}}


def test_log_retention_is_a_parameter_with_cloudwatchs_values() -> None:
    parameter = TEMPLATE.document["Parameters"]["LogRetentionDays"]
    assert parameter["Default"] == 30
    assert parameter["AllowedValues"] == LOG_RETENTION_DAYS
    for log_group in TEMPLATE.of_type("AWS::Logs::LogGroup").values():
        assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_http_api_writes_json_access_logs_to_a_log_group_with_retention() -> None:
    settings = TEMPLATE.of_type("AWS::Serverless::HttpApi")["HttpApi"]["AccessLogSettings"]
    (group, attribute) = settings["DestinationArn"]["Fn::GetAtt"]
    assert attribute == "Arn"
    assert TEMPLATE.of_type("AWS::Logs::LogGroup")[group]["RetentionInDays"]
    line = json.loads(settings["Format"])
    assert {"requestId", "status", "routeKey"} <= set(line)
    assert "$context.path" in line.values()  # a path has no query string: no tokens logged


def test_functions_are_traced_and_name_their_service() -> None:
    globals_ = TEMPLATE.document["Globals"]["Function"]
    assert globals_["Tracing"] == "Active"
    assert globals_["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == "socialscore"
    assert "POWERTOOLS_SERVICE_NAME" not in globals_["Environment"]["Variables"]
    for logical, stage in STAGES.items():
        environment = FUNCTIONS[logical].environment
        assert environment["POWERTOOLS_SERVICE_NAME"] == stage
        assert "POWERTOOLS_TRACE_DISABLED" not in environment  # tracing stays on, on AWS


def test_the_dashboard_shows_dlqs_queues_functions_and_every_product_metric() -> None:
    (dashboard,) = TEMPLATE.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.loads(_evaluate(dashboard["DashboardBody"]))
    rows = [row for w in body["widgets"] for row in w["properties"].get("metrics", [])]
    plain = [tuple(x for x in row if isinstance(x, str)) for row in rows]
    for stage in ("Rehydrate", "Resolve", "Score"):
        dlq = f"{stage}DLQ.QueueName"
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq) in plain
        queue = f"{stage}Queue.QueueName"
        assert ("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue) in plain
    for function in STAGES:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, "FunctionName", function) in plain
    searches = [x.get("expression", "") for row in rows for x in row if isinstance(x, dict)]
    searches = [e for e in searches if "SEARCH(" in e]
    for metric in EMF_METRICS:
        # No dimension schema: one line per dimension set the code emits, whatever it is.
        wanted = f"""SEARCH('Namespace="socialscore" MetricName="{metric}"', 'Sum', 300)"""
        assert wanted in searches, metric
    assert len(searches) == len(EMF_METRICS)
    assert {"DashboardName", "DashboardUrl"} <= set(TEMPLATE.document["Outputs"])
    # Dashboards are per account, across regions: the name carries the region.
    assert _evaluate(dashboard["DashboardName"]) == f"{STACK}-us-east-1"


# --- helpers ---------------------------------------------------------------------------------


def _refused(**parameters: str) -> list[str]:
    """The assertion descriptions of the template's Rules that the parameters fail."""
    return [
        assertion["AssertDescription"]
        for rule in TEMPLATE.document.get("Rules", {}).values()
        for assertion in rule["Assertions"]
        if not _evaluate(assertion["Assert"], **parameters)
    ]


def _role_of(transformed: dict[str, Any], function: str) -> dict[str, Any]:
    role: dict[str, Any] = transformed[_first(transformed[function]["Properties"]["Role"])]
    return role


def _statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every statement of a role's inline policies, both branches of a conditional one."""
    for policy in role["Properties"].get("Policies", []):
        branches = policy["Fn::If"][1:] if "Fn::If" in policy else [policy]
        for branch in branches:
            if isinstance(branch, dict) and "PolicyDocument" in branch:
                statements = branch["PolicyDocument"]["Statement"]
                yield from [statements] if isinstance(statements, dict) else statements


def _managed_policy_name(arn: Any) -> str:
    text = arn if isinstance(arn, str) else arn.get("Fn::Sub", "")
    match = re.fullmatch(r"arn:(?:aws|\$\{AWS::Partition\}):iam::aws:policy/(.+)", text)
    assert match, arn  # an AWS-managed policy, by ARN
    return match.group(1)


def _arn_text(resource: Any) -> str:
    """A policy Resource's literal text: the string, or the template of its Fn::Sub."""
    if isinstance(resource, str):
        return resource
    sub = resource.get("Fn::Sub") if isinstance(resource, dict) else None
    if isinstance(sub, list):
        sub = sub[0]
    return sub if isinstance(sub, str) else ""


def _named(value: Any) -> Iterator[str]:
    """Every resource a policy Resource names ("*" for the wildcard)."""
    if value == "*":
        yield "*"
    elif isinstance(value, list):
        for item in value:
            yield from _named(item)
    elif isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        elif "Fn::GetAtt" in value:
            yield value["Fn::GetAtt"][0]
        else:
            for item in value.values():
                yield from _named(item)


def _first(value: Any) -> str:
    (name,) = set(_named(value))
    return name
