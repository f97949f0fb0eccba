"""rehydrate on moto: permalinks to post facts through the fixture provider and the post cache
table (its items, one write and one read a batch), and a poison message taken to the DLQ by the
queue's redrive policy. The stage's rules (drops, pass-through, poison failing alone) are proven
in memory: tests/unit/test_rehydrate_batches.py, test_rehydrate_links.py, test_rehydration.py."""

from __future__ import annotations

import json

from socialscore.domain.interaction import Kind
from socialscore.domain.messages import Rehydrated
from tests.integration.support import (
    POST_A,
    POST_B,
    POST_FACTS,
    POST_TEXT,
    REPLY,
    REPLY_TEXT,
    SELLER_FOLLOWED,
    Stack,
    interaction,
)

FN = "RehydrateFunction"


def forwarded(stack: Stack) -> dict[str, Rehydrated]:
    """Rehydrated messages on the resolve queue, by interaction id (consumed)."""
    out = {}
    for raw in stack.take("ResolveQueue"):
        message = Rehydrated.model_validate_json(raw)
        out[message.interaction.interaction_id] = message
    return out


def test_interactions_become_rehydrated_messages_with_their_posts_facts(stack: Stack) -> None:
    sent = [
        interaction(1, post=POST_A),
        interaction(2, kind=Kind.COMMENT, actor="u2", post=POST_B, own_post=REPLY),
        interaction(3, kind=Kind.FOLLOW, actor="u3", post=None, followed=SELLER_FOLLOWED),
    ]
    stack.send("RehydrateQueue", sent)

    assert stack.poll(FN) == 1

    assert stack.rt.depth("RehydrateQueue") == 0
    raw = stack.take("ResolveQueue")
    assert len(raw) == 3
    for body in raw:
        assert REPLY_TEXT not in body
        assert POST_TEXT not in body
    out = {m.interaction.interaction_id: m for m in map(Rehydrated.model_validate_json, raw)}
    like, comment, follow = out["iid-1"], out["iid-2"], out["iid-3"]
    assert like.interaction == sent[0]
    assert like.target == POST_FACTS[POST_A]
    assert like.target.author_id == "1001"
    assert like.intent_hits == []
    assert comment.target == POST_FACTS[POST_B]
    assert comment.intent_hits == ["evaluating vendors"]  # found in the reply's text
    assert follow.target is None
    assert follow.interaction.target_user_id == SELLER_FOLLOWED


def test_post_cache_serves_a_second_batch_about_the_same_posts(stack: Stack) -> None:
    stack.send(
        "RehydrateQueue",
        [
            interaction(1, post=POST_A),
            interaction(2, kind=Kind.COMMENT, post=POST_B, own_post=REPLY),
        ],
    )
    stack.poll(FN)
    assert set(forwarded(stack)) == {"iid-1", "iid-2"}
    cache = stack.by_key("PostCacheTable", "post")
    assert set(cache) == {f"x#{POST_A}", f"x#{POST_B}", f"x#{REPLY}"}
    assert cache[f"x#{POST_A}"]["author_id"] == "1001"
    assert cache[f"x#{REPLY}"]["intent_hits"] == ["evaluating vendors"]
    for item in cache.values():  # ids, times and keyword hits only: never the text
        assert not {"text", "target_text"} & set(item)
        assert REPLY_TEXT not in json.dumps(item, default=str)
    writes = stack.calls(FN, "BatchWriteItem")
    reads = stack.calls(FN, "BatchGetItem")
    assert writes == 1

    stack.send(
        "RehydrateQueue",
        [
            interaction(3, actor="u3", post=POST_A),
            interaction(4, kind=Kind.COMMENT, actor="u4", post=POST_A, own_post=REPLY),
            interaction(5, actor="u5", post=POST_B),
        ],
    )
    stack.poll(FN)

    second = forwarded(stack)
    assert set(second) == {"iid-3", "iid-4", "iid-5"}
    assert second["iid-3"].target == POST_FACTS[POST_A]
    assert second["iid-4"].intent_hits == ["evaluating vendors"]
    assert second["iid-5"].target == POST_FACTS[POST_B]
    assert stack.calls(FN, "BatchWriteItem") == writes  # no provider lookup, nothing re-cached
    assert stack.calls(FN, "BatchGetItem") == reads + 1
    assert stack.by_key("PostCacheTable", "post") == cache


def test_poison_message_ends_in_the_dlq_after_max_receive_count(stack: Stack) -> None:
    redrive = json.loads(
        stack.rt.client("sqs").get_queue_attributes(
            QueueUrl=stack.rt.queue_url("RehydrateQueue"), AttributeNames=["RedrivePolicy"]
        )["Attributes"]["RedrivePolicy"]
    )
    assert int(redrive["maxReceiveCount"]) == 5
    stack.send("RehydrateQueue", [interaction(1), "{not json", interaction(2, actor="u2")])

    batches = 0
    while stack.poll(FN):
        batches += 1
        assert batches < 20

    assert batches == 5  # the poison message was delivered maxReceiveCount times
    assert set(forwarded(stack)) == {"iid-1", "iid-2"}  # the rest went through once
    assert stack.rt.depth("RehydrateQueue") == 0
    assert stack.take("RehydrateDLQ") == ["{not json"]
