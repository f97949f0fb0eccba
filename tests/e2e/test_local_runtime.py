"""The local runtime behaves as AWS does where moto or a naive event would not: query values
arrive URL-decoded, as API Gateway gives them, and SQS refuses what SQS refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore_local import demo
from socialscore_local.http_api import http_event
from socialscore_local.runtime import LocalRuntime

X_SECRET = "x-consumer-secret"


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    with demo.runtime(tmp_path_factory.mktemp("runtime")) as runtime:
        secrets = runtime.client("secretsmanager")
        arn = runtime.physical["WebhookSecrets"]["Ref"]
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        value["x"] = {"consumer_secrets": [X_SECRET]}
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        yield runtime


def empty(rt: LocalRuntime, queue: str) -> None:
    """Receive and delete every message (PurgeQueue takes one call a minute)."""
    sqs = rt.client("sqs")
    url = rt.queue_url(queue)
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def event(query: str) -> dict[str, Any]:
    return http_event("GET", "/webhooks/x", "/webhooks/x", {}, {}, b"", query)


# --- query strings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        ("crc_token=a%2Bb", {"crc_token": "a+b"}),
        ("crc_token=a+b", {"crc_token": "a b"}),
        ("crc_token=%7B%22x%22%3A1%7D", {"crc_token": '{"x":1}'}),
        ("hub.mode=subscribe&hub.challenge=42", {"hub.mode": "subscribe", "hub.challenge": "42"}),
        ("k=1&k=2&k=", {"k": "1,2,"}),
        ("flag&v=%C3%A9", {"flag": "", "v": "\u00e9"}),
        ("a%20name=x", {"a name": "x"}),
    ],
)
def test_query_values_are_decoded_as_api_gateway_decodes_them(
    query: str, parameters: dict[str, str]
) -> None:
    got = event(query)
    assert got["queryStringParameters"] == parameters
    assert got["rawQueryString"] == query


def test_no_query_means_no_query_parameters() -> None:
    assert "queryStringParameters" not in event("")


def test_an_encoded_crc_token_is_answered_for_its_decoded_value(rt: LocalRuntime) -> None:
    answer = rt.request("GET", "/webhooks/x", {}, b"", "crc_token=q%2B%2FZ9w%3D%3D")
    digest = hmac.new(X_SECRET.encode(), b"q+/Z9w==", hashlib.sha256).digest()
    assert (answer.status, answer.json()) == (
        200,
        {"response_token": "sha256=" + base64.b64encode(digest).decode()},
    )


# --- what SQS refuses ------------------------------------------------------------------------
REFUSED = ["\ufffe", "\uffff", "\x00", "\x01", "\x0b", "\x1f", "\ud800", "\udfff"]
TAKEN = ["\t", "\n", "\r", " ", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0010ffff"]


def sqs_takes(text: str) -> bool:
    """SQS's rule, as its documentation writes it."""
    return all(
        c in "\t\n\r"
        or 0x20 <= ord(c) <= 0xD7FF
        or 0xE000 <= ord(c) <= 0xFFFD
        or 0x10000 <= ord(c) <= 0x10FFFF
        for c in text
    )


@pytest.mark.parametrize("character", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_a_message_with_a_character_sqs_refuses_is_refused(
    rt: LocalRuntime, character: str
) -> None:
    sqs = boto3.client("sqs")  # the default session's, as the handlers' clients are
    queue = "RehydrateQueue"
    url = rt.queue_url(queue)
    before = rt.depth(queue)
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=url, MessageBody=f'{{"tag":"a{character}b"}}')
    with pytest.raises(ClientError, match="InvalidMessageContents"):
        rt.client("sqs").send_message(QueueUrl=url, MessageBody=character)
    reply = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "fine", "MessageBody": "fine"},
            {"Id": "refused", "MessageBody": f"x{character}"},
        ],
    )
    assert [s["Id"] for s in reply["Successful"]] == ["fine"]
    [failed] = reply["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == (
        "refused",
        "InvalidMessageContents",
        True,
    )
    assert rt.depth(queue) == before + 1
    empty(rt, queue)


def test_a_batch_with_nothing_sqs_takes_fails_every_entry(rt: LocalRuntime) -> None:
    sqs = boto3.client("sqs")
    entries = [{"Id": f"e{n}", "MessageBody": c} for n, c in enumerate(REFUSED)]
    reply = sqs.send_message_batch(QueueUrl=rt.queue_url("ScoreQueue"), Entries=entries)
    assert reply.get("Successful", []) == []
    assert sorted(f["Id"] for f in reply["Failed"]) == sorted(e["Id"] for e in entries)
    assert {f["Code"] for f in reply["Failed"]} == {"InvalidMessageContents"}
    assert rt.depth("ScoreQueue") == 0


def test_an_attribute_value_sqs_refuses_is_refused(rt: LocalRuntime) -> None:
    sqs = boto3.client("sqs")
    attributes = {"correlation_id": {"DataType": "String", "StringValue": "id\uffff"}}
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        sqs.send_message(
            QueueUrl=rt.queue_url("ScoreQueue"), MessageBody="{}", MessageAttributes=attributes
        )


def test_every_character_sqs_takes_goes_through_intact(rt: LocalRuntime) -> None:
    sqs = boto3.client("sqs")
    url = rt.queue_url("ScoreQueue")
    body = "".join(TAKEN)
    sqs.send_message(QueueUrl=url, MessageBody=body)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == body
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(
        st.characters(codec=None, exclude_categories=[]) | st.sampled_from(REFUSED + TAKEN),
        min_size=1,
        max_size=12,
    )
)
def test_the_runtime_takes_exactly_what_sqs_takes(rt: LocalRuntime, text: str) -> None:
    sqs = boto3.client("sqs")
    queue = "ScoreQueue"
    url = rt.queue_url(queue)
    reply = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "one", "MessageBody": text}])
    assert bool(reply.get("Successful")) == sqs_takes(text), ascii(text)
    assert bool(reply.get("Failed")) != sqs_takes(text), ascii(text)
    empty(rt, queue)
