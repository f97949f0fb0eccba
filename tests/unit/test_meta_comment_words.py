"""A Facebook Page comment's words through the whole chain, in memory: the buying words earn the
intent bonus and a complaint phrase makes a complaint, as on X, while no word of the comment is
kept anywhere. The chain on fakes (tests/unit/chain_world.py: ingest, then the rehydrate, resolve
and score Lambdas' own `handle`); "anywhere" is every store the stages wrote (the fakes of the
tables) and every message they sent each other. The comment's shape is the Page `feed`
reference's (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed).
Moved from tests/integration/test_meta_comment_words.py (the same webhook on moto); the tables'
items are made by the same item builders on DynamoDB (their contracts), and a scan of the real
tables for a complaint's words stays on moto (tests/integration/test_complaints.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.interaction import identity_key
from socialscore.domain.messages import Seller
from socialscore_local import webhooks
from tests.integration.support import POSTS
from tests.unit.chain_world import Chain, clear_metrics
from tests.unit.test_sources_chain import META_SECRET, PAGE, meta_post

POST = f"{PAGE}_778899001122334"
BUYER, UNHAPPY = "6543210987654321", "6543210987654322"
# Words nobody may find again in the stores, only the model's keywords and phrases they hit.
BUYING = "Quetzalcoatl Logistics is evaluating vendors, send pricing"
COMPLAINING = "Quetzalcoatl Logistics again: the export is still broken"


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    posts = tmp_path / "posts.json"
    posts.write_text(json.dumps(POSTS))
    secrets = {
        "smms": [webhooks.new_secret()],
        "meta": {"app_secrets": [META_SECRET], "verify_token": "tok"},
    }
    chain = Chain(posts, secrets)
    chain.score.sellers.register(
        identity_key("facebook", PAGE), Seller(seller_id="brand", team="mkt")
    )
    yield chain
    clear_metrics()


def comment(actor: str, n: int, message: str) -> dict[str, Any]:
    return {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "post_id": POST,
            "parent_id": POST,
            "comment_id": f"778899001122334_11223344556677{n:02d}",
            "message": message,
            "from": {"id": actor, "name": "Pat Prospect"},
            "created_time": 1795000000 + n,
        },
    }


def test_comment_words_score_as_on_x_and_are_kept_nowhere(chain: Chain) -> None:
    changes = [comment(BUYER, 1, BUYING), comment(UNHAPPY, 2, COMPLAINING)]
    assert meta_post(chain, changes) == 200
    chain.drain()

    # The touch entries (the profiles' other items: the complaint's flag).
    touches = {t["profile"]: t for t in chain.score.entries().values()}
    buyer, unhappy = touches[f"facebook#{BUYER}"], touches[f"facebook#{UNHAPPY}"]
    assert (buyer["weight"], buyer["intent_hits"]) == (4 + 10, ["evaluating vendors", "pricing"])
    assert (unhappy["weight"], unhappy["intent_hits"]) == (4, [])  # a complaint: no bonus
    assert unhappy["complaint_hits"] == ["still broken"]
    s = chain.score
    stores = [
        s.ledger.items,
        s.scores.items,
        s.links.items,
        s.sync.items,
        s.sync.marks,
        chain.cache.items,
        chain.ingest.deliveries,
    ]
    queues = [chain.rehydrate_queue, chain.resolve_queue, chain.score_queue, s.later]
    sent = [m.body for q in queues for m in q.sent]
    everything = json.dumps([repr(x) for x in stores] + sent, default=str)
    assert "Quetzalcoatl" not in everything
    assert "Pat Prospect" not in everything
    assert "evaluating vendors" in everything  # what was kept: the phrases hit
