"""Where moto differs from AWS in ways the product would notice, made to behave as AWS does."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from botocore.awsrequest import AWSResponse

from socialscore.domain.interaction import NOT_QUEUEABLE


def plain_dynamodb_numbers() -> None:
    """moto adds numbers with `int(value)` when a value has no ".", so a sum that cancels to
    Decimal("0E-11") poisons the attribute for the next ADD. DynamoDB itself normalises numbers;
    make moto do the same, once, for every number it builds."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if getattr(DynamoType, "_socialscore_plain_numbers", False):
        return
    built = DynamoType.__init__

    def init(self: Any, type_as_dict: Any) -> None:
        built(self, type_as_dict)
        if self.type == "N" and isinstance(self.value, str) and "E" in self.value.upper():
            self.value = format(Decimal(self.value).normalize(), "f")

    DynamoType.__init__ = init  # type: ignore[method-assign]
    DynamoType._socialscore_plain_numbers = True  # type: ignore[attr-defined]


_SQS_CHARACTERS = "#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]"
_REFUSAL = "socialscore_sqs_refusal"  # keys of botocore's per-call context
_REFUSED_ENTRIES = "socialscore_sqs_refused_entries"
_NOTHING_LEFT = "socialscore_sqs_nothing_left"


def sqs_refusal(message: Mapping[str, Any]) -> tuple[str, str] | None:
    """SQS's (error code, message) for a SendMessage or a batch entry; None if it takes it."""
    body = message.get("MessageBody")
    if isinstance(body, str) and (bad := NOT_QUEUEABLE.search(body)):
        return (
            "InvalidMessageContents",
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the message body, "
            f"the set of allowed characters is {_SQS_CHARACTERS}.",
        )
    for name, attribute in (message.get("MessageAttributes") or {}).items():
        value = attribute.get("StringValue") if isinstance(attribute, Mapping) else None
        if isinstance(value, str) and (bad := NOT_QUEUEABLE.search(value)):
            return (
                "InvalidParameterValue",
                f"Invalid binary character '#x{ord(bad.group()):X}' was found in the value of "
                f"message attribute {name!r}, the set of allowed characters is {_SQS_CHARACTERS}.",
            )
    return None


def refuse_what_sqs_refuses(events: Any) -> None:
    """Make the clients of a botocore session refuse messages as SQS does, before moto sees them.

    The check runs on the caller's parameters (provide-client-params); a refused SendMessage, or
    a batch with nothing left to send, is answered without a call (before-call); the entries
    taken out of a batch are reported in its Failed list (after-call).
    """

    def check(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> Any:
        if model.name == "SendMessage":
            context[_REFUSAL] = sqs_refusal(params)
            return None
        entries = params.get("Entries")
        if not isinstance(entries, list):
            return None  # botocore's own validation reports it
        verdicts = [(entry, sqs_refusal(entry)) for entry in entries if isinstance(entry, dict)]
        failed = [
            {"Id": entry.get("Id"), "SenderFault": True, "Code": code, "Message": message}
            for entry, refusal in verdicts
            if refusal is not None
            for code, message in [refusal]
        ]
        if not failed:
            return None
        context[_REFUSED_ENTRIES] = failed
        kept = [entry for entry, refusal in verdicts if refusal is None]
        if not kept:
            context[_NOTHING_LEFT] = True
            return None  # sent as is, to pass botocore's validation, then answered in `answer`
        return {**params, "Entries": kept}

    def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        refusal = context.get(_REFUSAL)
        if model.name == "SendMessage" and refusal is not None:
            code, message = refusal
            error = {"Code": code, "Message": message, "Type": "Sender"}
            return _aws_response(400), {"Error": error, "ResponseMetadata": _metadata(400)}
        if model.name == "SendMessageBatch" and context.get(_NOTHING_LEFT):
            return _aws_response(200), {"Successful": [], "ResponseMetadata": _metadata(200)}
        return None

    def report(
        http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        failed = context.get(_REFUSED_ENTRIES)
        if failed and http_response.status_code < 300:
            parsed["Failed"] = [*parsed.get("Failed", []), *failed]

    for operation in ("SendMessage", "SendMessageBatch"):
        events.register(
            f"provide-client-params.sqs.{operation}", check, f"ss-sqs-check-{operation}"
        )
        events.register(f"before-call.sqs.{operation}", answer, f"ss-sqs-answer-{operation}")
    events.register("after-call.sqs.SendMessageBatch", report, "ss-sqs-report")


def _aws_response(status: int) -> Any:
    return AWSResponse("https://sqs.local", status, {}, None)


def _metadata(status: int) -> dict[str, Any]:
    return {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}
