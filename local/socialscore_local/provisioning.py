"""Every table, queue (with its redrive policy), log group, secret and bucket template.yaml
declares, on moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from socialscore_local import log_groups
from socialscore_ops.template import Template

Physical = dict[str, dict[str, str]]  # logical id -> Ref and attributes (Arn, QueueName...)


def provision(
    template: Template,
    session: boto3.session.Session,
    stack: str,
    physical: Physical,
    evaluate: Callable[[Any], Any],
) -> None:
    """Create the resources and record their physical ids in `physical`, which `evaluate`
    reads: a queue's redrive policy names its DLQ, created before it."""
    for logical in template.of_type("AWS::Serverless::HttpApi"):
        physical[logical] = {"Ref": "local"}
    for logical in template.of_type("AWS::Serverless::LayerVersion"):
        physical[logical] = {"Ref": "local"}
    _tables(template, session, stack, physical)
    _queues(template, session, stack, physical, evaluate)
    log_groups.provision(template, session, stack, physical, evaluate)
    secrets = session.client("secretsmanager")
    for logical, props in template.of_type("AWS::SecretsManager::Secret").items():
        arn = secrets.create_secret(
            Name=f"{stack}-{logical}", SecretString=evaluate(props["SecretString"])
        )["ARN"]
        physical[logical] = {"Ref": arn, "Id": arn}
    s3 = session.client("s3")
    for logical in template.of_type("AWS::S3::Bucket"):
        name = f"{stack}-{logical}".lower()  # bucket names are lower case
        s3.create_bucket(Bucket=name)
        physical[logical] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}


def _tables(
    template: Template, session: boto3.session.Session, stack: str, physical: Physical
) -> None:
    dynamodb = session.client("dynamodb")
    for logical, props in template.of_type("AWS::DynamoDB::Table").items():
        name = f"{stack}-{logical}"
        spec: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if "GlobalSecondaryIndexes" in props:
            spec["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        arn = dynamodb.create_table(**spec)["TableDescription"]["TableArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        physical[logical] = {"Ref": name, "Arn": arn}


def _queues(
    template: Template,
    session: boto3.session.Session,
    stack: str,
    physical: Physical,
    evaluate: Callable[[Any], Any],
) -> None:
    sqs = session.client("sqs")
    queues = template.of_type("AWS::SQS::Queue")
    # Dead-letter queues first: a redrive policy names its DLQ's ARN.
    for logical, props in sorted(queues.items(), key=lambda kv: "RedrivePolicy" in kv[1]):
        name = f"{stack}-{logical}"
        attributes: dict[str, str] = {
            k: str(props[k])
            for k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
            if k in props
        }
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(evaluate(props["RedrivePolicy"]))
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        physical[logical] = {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}
