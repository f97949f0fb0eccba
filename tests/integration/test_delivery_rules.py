"""The delivery rules' InputTransformers render what a person needs (moto).

Each rule of template.yaml is created in moto with its exact EventPattern and InputTransformer,
its target swapped for an SQS queue (moto renders InputTransformer templates for SQS targets,
not for SNS or API destinations). A HotLead and a Complaint shaped as ScoreFunction puts them
go onto the default bus; each queue then holds what the topic or Slack would have received.

moto's templating is simpler than EventBridge's (it neither escapes strings nor renders null),
so the events here carry plain values; the assertions hold on both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from socialscore_ops.template import Template, evaluate

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = {"NotifyEmail": "social-ops@example.com", "SlackWebhookSecret": "socialscore/slack"}
RULES = ["NotifyHotLeadRule", "NotifyComplaintRule", "SlackHotLeadRule", "SlackComplaintRule"]
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/socialscore/0f1e2d3c"

HOT_LEAD = {
    "id": "hot#x#123",
    "profile": "x#123",
    "contact_id": "003A000001",
    "organic_score": 31.5,
    "threshold": 30.0,
    "model_version": "2026-11-01",
    "owner": {"type": "crm_owner", "id": "005xx0001"},
}
COMPLAINT = {
    "id": "complaint#x#123#i#abc",
    "interaction_id": "abc",
    "network": "x",
    "kind": "comment",
    "profile": "x#123",
    "contact_id": "003A000001",
    "post": "x#999",
    "seller_id": "s-ana",
    "team": "emea",
    "own_post": True,
    "permalink": "https://x.com/i/web/status/2100000000000000001",
    "phrases": ["still broken"],
    "occurred_at": "2026-12-01T09:30:00+00:00",
    "model_version": "2026-11-01",
    "owner": {"type": "seller", "id": "s-ana"},
}


@pytest.fixture
def delivered() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Rule -> the bodies its target received, for one HotLead and one Complaint."""
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_SESSION_TOKEN", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with mock_aws():
            yield _deliver()


def _deliver() -> dict[str, list[dict[str, Any]]]:
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    queues: dict[str, str] = {}
    for rule in RULES:
        props = _rule(rule)
        url = sqs.create_queue(QueueName=f"delivery-{rule}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        (target,) = props["Targets"]
        events.put_rule(Name=rule, EventPattern=json.dumps(props["EventPattern"]))
        events.put_targets(
            Rule=rule,
            Targets=[
                {"Id": target["Id"], "Arn": arn["QueueArn"]}
                | {"InputTransformer": target["InputTransformer"]}
            ],
        )
        queues[rule] = url
    reply = events.put_events(
        Entries=[
            {
                "Source": "socialscore",
                "DetailType": kind,
                "Detail": json.dumps(detail),
                "Resources": [stack],
            }
            for kind, detail in (("HotLead", HOT_LEAD), ("Complaint", COMPLAINT))
            # Another stack's events (a staging stack in the same account) are not this one's.
            for stack in (STACK_ID, STACK_ID.replace("/socialscore/", "/staging/"))
        ]
    )
    assert reply["FailedEntryCount"] == 0
    return {
        rule: [
            json.loads(m["Body"])
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        ]
        for rule, url in queues.items()
    }


def _rule(logical: str) -> dict[str, Any]:
    """The rule's properties as CloudFormation would create them with PARAMETERS."""
    template = Template.read(ROOT / "template.yaml")
    resource = template.resources[logical]
    conditions = template.document.get("Conditions", {})
    values = template.parameter_defaults() | PARAMETERS
    values |= {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
    values |= {"AWS::Partition": "aws", "AWS::StackName": "socialscore", "AWS::StackId": STACK_ID}

    def ref(name: str, attribute: str | None) -> str:
        return f"{name}.{attribute}" if attribute else name

    assert evaluate({"Condition": resource["Condition"]}, ref, values, conditions)
    props: dict[str, Any] = evaluate(resource["Properties"], ref, values, conditions)
    return props


def test_each_rule_hands_on_its_own_kind_once(delivered: dict[str, list[dict[str, Any]]]) -> None:
    assert {rule: len(bodies) for rule, bodies in delivered.items()} == dict.fromkeys(RULES, 1)


def test_the_email_message_is_json_a_filter_policy_can_route_by_owner(
    delivered: dict[str, list[dict[str, Any]]],
) -> None:
    (hot,) = delivered["NotifyHotLeadRule"]
    assert hot["event"] == "HotLead"
    assert hot["event_id"] == HOT_LEAD["id"]
    assert hot["owner"] == "005xx0001"
    assert hot["owner_type"] == "crm_owner"
    assert hot["profile"] == "x#123"
    assert hot["contact_id"] == "003A000001"
    assert hot["organic_score"] == 31.5
    assert hot["threshold"] == 30.0
    assert "x#123" in hot["message"]
    assert "31.5" in hot["message"]

    (complaint,) = delivered["NotifyComplaintRule"]
    assert complaint["event"] == "Complaint"
    assert complaint["event_id"] == COMPLAINT["id"]
    assert complaint["owner"] == "s-ana"
    assert complaint["owner_type"] == "seller"
    assert complaint["seller_id"] == "s-ana"
    assert complaint["permalink"] == COMPLAINT["permalink"]
    assert complaint["phrases"] == ["still broken"]
    assert complaint["occurred_at"] == COMPLAINT["occurred_at"]
    assert COMPLAINT["permalink"] in complaint["message"]


def test_the_slack_body_is_a_text_naming_owner_profile_and_event_id(
    delivered: dict[str, list[dict[str, Any]]],
) -> None:
    (hot,) = delivered["SlackHotLeadRule"]
    assert set(hot) == {"text"}
    text = hot["text"]
    for wanted in ("Hot lead", "crm_owner", "005xx0001", "x#123", "003A000001", "31.5"):
        assert wanted in text, wanted
    assert HOT_LEAD["id"] in text

    (complaint,) = delivered["SlackComplaintRule"]
    assert set(complaint) == {"text"}
    text = complaint["text"]
    for wanted in ("Complaint", "seller", "s-ana", "x#123", "comment"):
        assert wanted in text, wanted
    assert COMPLAINT["permalink"] in text
    assert '"still broken"' in text
    assert COMPLAINT["id"] in text
