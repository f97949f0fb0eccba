"""Through the whole chain on the local runtime, what only AWS can show: a webhook whose send
SQS half refuses answers 503, saying how many were not sent, and a passing fault is retried
inside ingest; whatever was sent twice counts once. The rules of every source through the
chain (one act from two sources counting once, retractions in any order, deletions and their
second sweep, Meta credited on its word, erasures) are proven in memory:
tests/unit/test_sources_chain.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from socialscore.aws import clients
from socialscore.domain.interaction import identity_key
from socialscore.domain.messages import Seller
from socialscore.store.sellers import Sellers
from tests.integration.support import (
    POST_A,
    POSTS,
    SELLER_AUTHOR,
    Stack,
    running,
    write_demo_dir,
)
from tests.unit.test_sources_chain import (
    ACTOR,
    META_SECRET,
    PAGE,
    RETWEET,
    X_SECRET,
    smms_share,
)

__all__ = ["X_SECRET", "x_post"]  # what test_engage_x takes from here


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    demo_dir = write_demo_dir(tmp_path / "demo")
    retweet = {
        "network": "x",
        "post_id": RETWEET,
        "author_id": ACTOR,
        "created_at": "2026-11-20T10:00:00Z",
        "referenced_post_id": POST_A,
    }
    (demo_dir / "posts.json").write_text(json.dumps([*POSTS, retweet]))
    with running(tmp_path / "work", demo_dir) as s:
        secrets = s.rt.client("secretsmanager")
        arn = s.rt.physical["WebhookSecrets"]["Ref"]
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        value["x"] = {"consumer_secrets": [X_SECRET]}
        value["meta"] = {"app_secrets": [META_SECRET], "verify_token": "tok"}
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        sellers = Sellers(s.rt.table("SellersTable"))
        sellers.register(identity_key("facebook", PAGE), Seller(seller_id="brand", team="mkt"))
        yield s


def x_post(stack: Stack, payload: dict[str, Any]) -> int:
    body = json.dumps({"for_user_id": SELLER_AUTHOR, **payload}).encode()
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}
    return stack.rt.request("POST", "/webhooks/x", headers, body).status


def touches(stack: Stack, actor: str = ACTOR, network: str = "x") -> Decimal:
    item = stack.by_key("ScoresTable", "pk").get(f"profile#{network}#{actor}#organic", {})
    return Decimal(item.get("touches", 0))


def test_a_send_that_keeps_failing_answers_503_and_a_passing_fault_is_retried(
    stack: Stack,
) -> None:
    failures = {"left": 0}

    def refuse_first_entry(parsed: dict[str, Any], **_: Any) -> None:
        if failures["left"] and parsed.get("Successful"):
            failures["left"] -= 1
            first = parsed["Successful"].pop(0)
            parsed.setdefault("Failed", []).append(
                {"Id": first["Id"], "SenderFault": False, "Code": "InternalError", "Message": "x"}
            )

    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register(
        "after-call.sqs.SendMessageBatch", refuse_first_entry, unique_id="refuse-first"
    )
    try:
        clients.reset()  # new clients pick up the hook
        failures["left"] = 2  # the send and its retry
        answer = stack.webhook([smms_share()])
        assert answer.status == 503
        assert answer.json()["unsent"] == 1

        failures["left"] = 1  # only the first attempt: the retry inside ingest gets it through
        assert stack.webhook([smms_share()]).status == 202
    finally:
        boto3.DEFAULT_SESSION.events.unregister(
            "after-call.sqs.SendMessageBatch", unique_id="refuse-first"
        )
    stack.rt.drain()
    assert touches(stack) == 1  # whatever was sent twice counts once
