"""The engage-now queue over X's Account Activity webhook: a customer's reply to a seller's post
is queued, and leaves it when the seller replies to it through the same webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.support import POST_A, POSTS, SELLER_AUTHOR, Stack, running, write_demo_dir
from tests.integration.test_webhook_sources import X_SECRET, x_post

CUSTOMER = "7000000002"
QUESTION = "2100000000000000201"  # the customer's reply to Ana's POST_A
ANSWER = "2100000000000000202"  # Ana's reply to it
ASKED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    demo_dir = write_demo_dir(tmp_path / "demo")
    replies = [
        {
            "network": "x",
            "post_id": QUESTION,
            "author_id": CUSTOMER,
            "created_at": ASKED.isoformat(),
            "referenced_post_id": POST_A,
            "text": "@ana what does the pricing look like for 200 seats?",
        },
        {
            "network": "x",
            "post_id": ANSWER,
            "author_id": SELLER_AUTHOR,
            "created_at": (ASKED + timedelta(minutes=30)).isoformat(),
            "referenced_post_id": QUESTION,
            "text": "@customer sent you a DM with our price list",
        },
    ]
    (demo_dir / "posts.json").write_text(json.dumps([*POSTS, *replies]))
    with running(tmp_path / "work", demo_dir) as s:
        secrets = s.rt.client("secretsmanager")
        arn = s.rt.physical["WebhookSecrets"]["Ref"]
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        value["x"] = {"consumer_secrets": [X_SECRET]}
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        yield s


def reply(post: str, author: str, to_post: str, to_user: str, at: datetime) -> dict[str, Any]:
    return {
        "tweet_create_events": [
            {
                "id_str": post,
                "created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                "user": {"id_str": author},
                "in_reply_to_status_id_str": to_post,
                "in_reply_to_user_id_str": to_user,
            }
        ]
    }


def queued(stack: Stack) -> list[dict[str, Any]]:
    answer = stack.rt.request("GET", "/engage")
    assert answer.status == 200
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def test_a_seller_s_reply_on_x_takes_the_customer_s_reply_off_the_queue(stack: Stack) -> None:
    assert x_post(stack, reply(QUESTION, CUSTOMER, POST_A, SELLER_AUTHOR, ASKED)) == 200
    stack.rt.drain()
    (entry,) = queued(stack)
    assert (entry["act"], entry["profile"], entry["seller_id"]) == (
        f"x#{QUESTION}",
        f"x#{CUSTOMER}",
        "s-ana",
    )
    assert entry["intent_hits"] == ["pricing"]  # read from the reply's own words, not kept

    later = ASKED + timedelta(minutes=30)
    assert x_post(stack, reply(ANSWER, SELLER_AUTHOR, QUESTION, CUSTOMER, later)) == 200
    stack.rt.drain()
    assert queued(stack) == []  # answered; and Ana's own reply is not an act to answer
