"""The engage-now queue over X's Account Activity webhook, in memory: a customer's reply to a
seller's post is queued, and leaves it when the seller replies to it through the same webhook.
The whole chain on fakes (tests/unit/chain_world.py: ingest, then the rehydrate, resolve and
score Lambdas' own `handle`), the queue as GET /engage answers it (tests/unit/test_engage_queue.py's
`queue`). Moved from tests/integration/test_engage_x.py (the same webhooks on moto); X's webhook
into the stack on moto stays proven by tests/integration/test_sample_events.py and
test_webhook_sources.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialscore_local import webhooks
from tests.integration.support import POST_A, POSTS, SELLER_AUTHOR
from tests.unit.chain_world import Chain, clear_metrics
from tests.unit.test_engage_queue import queue
from tests.unit.test_sources_chain import X_SECRET, x_post

CUSTOMER = "7000000002"
QUESTION = "2100000000000000201"  # the customer's reply to Ana's POST_A
ANSWER = "2100000000000000202"  # Ana's reply to it
ASKED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
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
    posts = tmp_path / "posts.json"
    posts.write_text(json.dumps([*POSTS, *replies]))
    secrets = {"smms": [webhooks.new_secret()], "x": {"consumer_secrets": [X_SECRET]}}
    yield Chain(posts, secrets)
    clear_metrics()


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


def queued(chain: Chain) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = queue(chain.score)["entries"]
    return entries


def test_a_seller_s_reply_on_x_takes_the_customer_s_reply_off_the_queue(chain: Chain) -> None:
    assert x_post(chain, reply(QUESTION, CUSTOMER, POST_A, SELLER_AUTHOR, ASKED)) == 200
    chain.drain()
    (entry,) = queued(chain)
    assert (entry["act"], entry["profile"], entry["seller_id"]) == (
        f"x#{QUESTION}",
        f"x#{CUSTOMER}",
        "s-ana",
    )
    assert entry["intent_hits"] == ["pricing"]  # read from the reply's own words, not kept

    later = ASKED + timedelta(minutes=30)
    assert x_post(chain, reply(ANSWER, SELLER_AUTHOR, QUESTION, CUSTOMER, later)) == 200
    chain.drain()
    assert queued(chain) == []  # answered; and Ana's own reply is not an act to answer
