"""Lambda's side of an SQS event source: the records it hands a function, and how it reads the
function's partial batch response."""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"


def failed_ids(result: Any, ids: set[str]) -> set[str]:
    """Lambda's reading of a partial batch response: anything malformed fails the whole batch."""
    try:
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
    except (AttributeError, KeyError, TypeError):
        return ids
    return failed if failed <= ids else ids


def message_attributes(message: dict[str, Any]) -> dict[str, Any]:
    attributes = message.get("MessageAttributes")
    return {"MessageAttributes": attributes} if attributes else {}


def _lambda_casing(attribute: dict[str, Any]) -> dict[str, Any]:
    """SQS answers `StringValue`/`DataType`; Lambda's event says `stringValue`/`dataType`."""
    return {key[0].lower() + key[1:]: value for key, value in attribute.items()}


def sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: _lambda_casing(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }
