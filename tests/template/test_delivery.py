"""template.yaml, delivery: who hears about a hot lead or a complaint. Off by default; an email
topic with NotifyEmail, a Slack API destination with SlackWebhookSecret; OWNER_QUEUE always."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.template import test_template as base

TEMPLATE = base.TEMPLATE
RESOURCES = TEMPLATE.resources
transformed = base.transformed  # the module-scoped SAM transform, shared with its helpers

EMAIL = "social-ops@example.com"
ONCALL = "arn:aws:sns:us-east-1:123456789012:oncall"
SECRET = "socialscore/slack-webhook"
EMAIL_RESOURCES = {
    "NotifyTopic": "AWS::SNS::Topic",
    "NotifyEmailSubscription": "AWS::SNS::Subscription",
    "NotifyTopicPolicy": "AWS::SNS::TopicPolicy",
    "NotifyHotLeadRule": "AWS::Events::Rule",
    "NotifyComplaintRule": "AWS::Events::Rule",
    "NotifyDeliveryDLQ": "AWS::SQS::Queue",
    "NotifyDeliveryDLQPolicy": "AWS::SQS::QueuePolicy",
}
SLACK_RESOURCES = {
    "SlackConnection": "AWS::Events::Connection",
    "SlackDestination": "AWS::Events::ApiDestination",
    "SlackDeliveryRole": "AWS::IAM::Role",
    "SlackDeliveryDLQ": "AWS::SQS::Queue",
    "SlackDeliveryDLQPolicy": "AWS::SQS::QueuePolicy",
    "SlackHotLeadRule": "AWS::Events::Rule",
    "SlackComplaintRule": "AWS::Events::Rule",
}
RULES = {
    "NotifyHotLeadRule": "HotLead",
    "NotifyComplaintRule": "Complaint",
    "SlackHotLeadRule": "HotLead",
    "SlackComplaintRule": "Complaint",
}


def _created(logical: str, **parameters: str) -> bool:
    """Whether CloudFormation creates the resource (or output) with these parameters."""
    spec = RESOURCES.get(logical) or TEMPLATE.document["Outputs"][logical]
    return "Condition" not in spec or bool(
        base._evaluate({"Condition": spec["Condition"]}, **parameters)
    )


def _props(logical: str, **parameters: str) -> Any:
    return base._evaluate(RESOURCES[logical]["Properties"], **parameters)


def test_the_delivery_resources_are_exactly_these() -> None:
    for logical, kind in (EMAIL_RESOURCES | SLACK_RESOURCES).items():
        assert RESOURCES[logical]["Type"] == kind
    conditioned = {
        logical: spec["Condition"]
        for logical, spec in RESOURCES.items()
        if spec.get("Condition") in ("HasNotifyEmail", "HasSlack")
    }
    assert conditioned == {k: "HasNotifyEmail" for k in EMAIL_RESOURCES} | {
        k: "HasSlack" for k in SLACK_RESOURCES
    }
    rules = {k for k, v in RESOURCES.items() if v["Type"] == "AWS::Events::Rule"}
    assert rules == set(RULES)  # nothing else listens on the bus


def test_nothing_is_delivered_by_default() -> None:
    defaults = TEMPLATE.parameter_defaults()
    assert (defaults["NotifyEmail"], defaults["SlackWebhookSecret"]) == ("", "")
    for logical in EMAIL_RESOURCES | SLACK_RESOURCES:
        assert not _created(logical), logical
    for output in ("NotifyTopicArn", "NotifyDeliveryDLQUrl", "SlackDeliveryDLQUrl"):
        assert not _created(output), output
    assert base._refused() == []


@pytest.mark.parametrize(
    ("parameters", "email", "slack"),
    [
        ({"NotifyEmail": EMAIL}, True, False),
        ({"SlackWebhookSecret": SECRET}, False, True),
        ({"NotifyEmail": EMAIL, "SlackWebhookSecret": SECRET}, True, True),
    ],
)
def test_each_parameter_turns_on_its_own_delivery_only(
    parameters: dict[str, str], email: bool, slack: bool
) -> None:
    for logical in EMAIL_RESOURCES:
        assert _created(logical, **parameters) is email, logical
    for logical in SLACK_RESOURCES:
        assert _created(logical, **parameters) is slack, logical
    assert _created("NotifyTopicArn", **parameters) is email
    assert _created("NotifyDeliveryDLQUrl", **parameters) is email
    assert _created("SlackDeliveryDLQUrl", **parameters) is slack


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_matches_one_kind_of_the_product_s_events_on_the_default_bus(rule: str) -> None:
    props = RESOURCES[rule]["Properties"]
    assert props["EventPattern"] == {
        "source": ["socialscore"],
        "detail-type": [RULES[rule]],
        "resources": [{"Ref": "AWS::StackId"}],  # this stack's events, not another's
    }
    assert "EventBusName" not in props  # the default bus, where ScoreFunction puts them
    environment = base.FUNCTIONS["ScoreFunction"].environment
    assert environment["EVENT_BUS_NAME"] == "default"
    assert environment["STACK_ID"] == {"Ref": "AWS::StackId"}  # what the events name
    (target,) = props["Targets"]
    transformer = target["InputTransformer"]
    used = set(re.findall(r"<([A-Za-z0-9_.-]+)>", transformer["InputTemplate"]))
    assert used == set(transformer["InputPathsMap"]), rule  # none undefined, none unused
    for path in transformer["InputPathsMap"].values():
        assert path.startswith("$.detail."), path


def test_the_email_topic_takes_the_two_email_rules_only() -> None:
    parameters = {"NotifyEmail": EMAIL}
    subscription = _props("NotifyEmailSubscription", **parameters)
    assert subscription == {
        "TopicArn": "NotifyTopic",
        "Protocol": "email",
        "Endpoint": EMAIL,
        "RedrivePolicy": {"deadLetterTargetArn": "NotifyDeliveryDLQ.Arn"},
    }
    policy = _props("NotifyTopicPolicy", **parameters)
    assert policy["Topics"] == ["NotifyTopic"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == "NotifyTopic"
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": ["NotifyHotLeadRule.Arn", "NotifyComplaintRule.Arn"]}
    }
    for rule in ("NotifyHotLeadRule", "NotifyComplaintRule"):
        (target,) = _props(rule, **parameters)["Targets"]
        assert target["Arn"] == "NotifyTopic"
    output = TEMPLATE.document["Outputs"]["NotifyTopicArn"]
    assert base._evaluate(output["Value"], **parameters) == "NotifyTopic"
    assert '{"owner": ["s-ana"]}' in output["Description"]


@pytest.mark.parametrize(
    ("parameters", "topics"),
    [
        ({}, ["AlarmTopic"]),  # the defaults: the stack's own alarm topic, no email
        ({"NotifyEmail": EMAIL}, ["AlarmTopic", "NotifyTopic"]),
        ({"AlarmTopicArn": ONCALL, "NotifyEmail": EMAIL}, ["NotifyTopic"]),
        ({"AlarmTopicArn": ONCALL}, []),  # no topic of the stack's: no key to pay for
    ],
)
def test_every_topic_of_the_stack_is_encrypted_under_a_key_its_publishers_may_use(
    parameters: dict[str, str], topics: list[str]
) -> None:
    created = [t for t in ("AlarmTopic", "NotifyTopic") if _created(t, **parameters)]
    assert created == topics
    assert _created("TopicKey", **parameters) is bool(topics)
    for topic in created:
        # Not alias/aws/sns: CloudWatch and EventBridge cannot use the AWS-managed key.
        assert _props(topic, **parameters)["KmsMasterKeyId"] == "TopicKey.Arn"
    if not topics:
        return
    key = _props("TopicKey", **parameters)
    assert key["EnableKeyRotation"] is True
    statements = {s["Sid"]: s for s in key["KeyPolicy"]["Statement"]}
    publish = statements["AlarmsAndDeliveryRulesPublish"]
    assert publish["Effect"] == "Allow"
    assert set(publish["Principal"]["Service"]) == {
        "cloudwatch.amazonaws.com",  # the DLQ and refusal alarms, to AlarmTopic
        "events.amazonaws.com",  # the email rules, to NotifyTopic
    }
    assert set(publish["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    # The rest of the account reaches the key through its IAM policies only (the default key
    # policy): no other service, no other account.
    admin = statements["AccountIamPolicies"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert set(statements) == {"AccountIamPolicies", "AlarmsAndDeliveryRulesPublish"}


@pytest.mark.parametrize("rule", RULES)
def test_every_delivery_rule_retries_for_an_hour_then_keeps_the_event_in_its_dlq(
    rule: str,
) -> None:
    """What cfn-lint's serverless rules ask of a rule (ES4000), and what the queue needs so
    that EventBridge may put the event there."""
    parameters = {"NotifyEmail": EMAIL, "SlackWebhookSecret": SECRET}
    (target,) = _props(rule, **parameters)["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 20, "MaximumEventAgeInSeconds": 3600}
    dlq = target["DeadLetterConfig"]["Arn"].removesuffix(".Arn")
    queue = _props(dlq, **parameters)
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600  # SQS's longest
    # SSE-SQS: EventBridge cannot send to a queue under the AWS-managed aws/sqs key.
    assert queue["SqsManagedSseEnabled"] is True
    assert "KmsMasterKeyId" not in queue
    (policy,) = [
        _props(k, **parameters)
        for k, v in RESOURCES.items()
        if v["Type"] == "AWS::SQS::QueuePolicy" and v["Properties"]["Queues"] == [{"Ref": dlq}]
    ]
    senders = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Principal"] == {"Service": "events.amazonaws.com"}
    ]
    (sender,) = senders
    assert (sender["Action"], sender["Resource"]) == ("sqs:SendMessage", f"{dlq}.Arn")
    assert f"{rule}.Arn" in sender["Condition"]["ArnEquals"]["aws:SourceArn"]


def test_what_sns_cannot_email_waits_in_the_email_dlq() -> None:
    parameters = {"NotifyEmail": EMAIL}
    subscription = _props("NotifyEmailSubscription", **parameters)
    assert subscription["RedrivePolicy"] == {"deadLetterTargetArn": "NotifyDeliveryDLQ.Arn"}
    statements = _props("NotifyDeliveryDLQPolicy", **parameters)["PolicyDocument"]["Statement"]
    (sns,) = [s for s in statements if s["Principal"] == {"Service": "sns.amazonaws.com"}]
    assert (sns["Action"], sns["Resource"]) == ("sqs:SendMessage", "NotifyDeliveryDLQ.Arn")
    assert sns["Condition"] == {"ArnEquals": {"aws:SourceArn": "NotifyTopic"}}  # this topic's
    output = TEMPLATE.document["Outputs"]["NotifyDeliveryDLQUrl"]
    assert base._evaluate(output["Value"], **parameters) == "NotifyDeliveryDLQ"


def test_email_messages_carry_the_fields_a_filter_policy_and_a_reader_need() -> None:
    for rule, kind in (("NotifyHotLeadRule", "HotLead"), ("NotifyComplaintRule", "Complaint")):
        transformer = RESOURCES[rule]["Properties"]["Targets"][0]["InputTransformer"]
        paths = transformer["InputPathsMap"]
        assert paths["owner"] == "$.detail.owner.id"
        assert paths["owner_type"] == "$.detail.owner.type"
        assert paths["id"] == "$.detail.id"
        message = json.loads(_filled(transformer["InputTemplate"]))
        assert message["event"] == kind
        assert message["owner"] == "<owner>"  # a string: payload filter policies match on it
        assert message["event_id"] == "<id>"
        assert {"owner_type", "profile", "contact_id", "message"} <= set(message)
        if kind == "Complaint":
            assert {"permalink", "phrases", "seller_id"} <= set(message)


def test_slack_posts_to_the_secret_s_url_never_to_a_plain_one() -> None:
    parameters = {"SlackWebhookSecret": SECRET}
    destination = _props("SlackDestination", **parameters)
    assert destination["InvocationEndpoint"] == f"{{{{resolve:secretsmanager:{SECRET}}}}}"
    assert destination["HttpMethod"] == "POST"
    assert 1 <= destination["InvocationRateLimitPerSecond"] <= 5
    assert destination["ConnectionArn"] == "SlackConnection.Arn"
    raw = RESOURCES["SlackDestination"]["Properties"]["InvocationEndpoint"]
    assert raw == {"Fn::Sub": "{{resolve:secretsmanager:${SlackWebhookSecret}}}"}
    for logical in SLACK_RESOURCES:  # no webhook URL written into the template
        assert "hooks.slack.com" not in json.dumps(RESOURCES[logical])
        assert "https://" not in json.dumps(RESOURCES[logical])
    connection = _props("SlackConnection", **parameters)
    assert connection["AuthorizationType"] == "API_KEY"
    # The secret's name only: nothing can close the dynamic reference early or be a URL.
    pattern = TEMPLATE.document["Parameters"]["SlackWebhookSecret"]["AllowedPattern"]
    assert re.fullmatch(pattern, "")
    assert re.fullmatch(pattern, SECRET)
    assert not re.fullmatch(pattern, "x}}")
    assert not re.fullmatch(pattern, "https://hooks.slack.com/services/T0/B0/x")


def test_the_slack_role_only_invokes_the_slack_destination() -> None:
    parameters = {"SlackWebhookSecret": SECRET}
    role = _props("SlackDeliveryRole", **parameters)
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert "ManagedPolicyArns" not in role
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["events:InvokeApiDestination"],
            "Resource": "SlackDestination.Arn",
        }
    ]
    for rule in ("SlackHotLeadRule", "SlackComplaintRule"):
        (target,) = _props(rule, **parameters)["Targets"]
        assert target["Arn"] == "SlackDestination.Arn"
        assert target["RoleArn"] == "SlackDeliveryRole.Arn"
        assert target["DeadLetterConfig"] == {"Arn": "SlackDeliveryDLQ.Arn"}
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 24 * 3600
        body = json.loads(_filled(target["InputTransformer"]["InputTemplate"]))
        assert set(body) == {"text"}  # what a Slack incoming webhook takes
        assert "<id>" in body["text"]
        assert "<owner>" in body["text"]
    (statement,) = _props("SlackDeliveryDLQPolicy", **parameters)["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == "SlackDeliveryDLQ.Arn"
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": ["SlackHotLeadRule.Arn", "SlackComplaintRule.Arn"]}
    }


def test_the_slack_role_passes_the_function_roles_least_privilege_checks(
    transformed: dict[str, Any],
) -> None:
    role = transformed["SlackDeliveryRole"]
    statements = list(base._statements(role))
    assert statements
    for statement in statements:
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        assert "*" not in json.dumps(statement["Action"])
        assert statement["Resource"] != "*"
        assert not base._arn_text(statement["Resource"]).endswith("*")
        assert set(base._named(statement["Resource"])) == {"SlackDestination"}


@pytest.mark.parametrize("queue", ["social-team", "emea.social"])
def test_score_function_gets_the_owner_queue(queue: str) -> None:
    environment = base.FUNCTIONS["ScoreFunction"].environment
    assert environment["OWNER_QUEUE"] == {"Ref": "OwnerQueue"}
    assert base._evaluate(environment, OwnerQueue=queue)["OWNER_QUEUE"] == queue
    assert base._evaluate(environment)["OWNER_QUEUE"] == "social-team"
    readers = [n for n, f in base.FUNCTIONS.items() if "OWNER_QUEUE" in f.environment]
    assert readers == ["ScoreFunction"]


def test_the_owner_queue_and_email_parameters_refuse_what_is_no_name() -> None:
    parameters = TEMPLATE.document["Parameters"]
    queue = parameters["OwnerQueue"]["AllowedPattern"]
    assert re.fullmatch(queue, "social-team")
    for bad in ("", "a b", "x" * 65, '"q"', "a/b"):
        assert not re.fullmatch(queue, bad), bad
    email = parameters["NotifyEmail"]["AllowedPattern"]
    assert re.fullmatch(email, "")
    assert re.fullmatch(email, EMAIL)
    assert not re.fullmatch(email, "not an email")
    for name in ("OwnerQueue", "NotifyEmail", "SlackWebhookSecret"):
        assert parameters[name]["Description"].strip(), name


def _filled(template: str) -> str:
    """An InputTemplate with each variable outside a JSON string given a JSON value (a number or
    an array, as EventBridge inserts them) and those inside a string left as written."""
    out: list[str] = []
    in_string = escaped = False
    for piece in re.split(r"(<[A-Za-z0-9_]+>)", template):
        if re.fullmatch(r"<[A-Za-z0-9_]+>", piece) and not in_string:
            out.append("0")
            continue
        for char in piece:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = not in_string
        out.append(piece)
    return "".join(out)
