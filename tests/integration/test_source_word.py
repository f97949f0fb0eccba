"""Posts credited on their source's word, on the local runtime: `serve` credits a user's own
interactions when the SMMS names the post's author. A vouched batch reading neither cache nor
provider, crediting without a provider, and a post_deleted event stopping credit are proven in
memory (tests/unit/test_source_word.py), and the X provider asked only for what it alone can
tell (the words of a reply, quote or mention, and targets nobody named an author for) with its
stub in process (tests/unit/test_source_word_x.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.integration.support import SELLER_AUTHOR, Stack, permalink
from tests.unit.test_source_word import POSTED, REPLY, SELLER_POST, UNNAMED


def seller_points(stack: Stack, seller: str) -> Decimal:
    return sum(
        (
            i.get("organic_points", Decimal(0))
            for i in stack.scan("ScoresTable")
            if i["pk"].startswith(f"seller#{seller}#")
        ),
        Decimal(0),
    )


def test_serve_credits_a_user_s_own_interactions_when_the_smms_names_the_post_s_author(
    stack: Stack,
) -> None:
    # The local runtime `serve` runs: its fixture file knows only the demo's posts.
    def event(n: int, kind: str, actor: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": "interaction",
            "id": f"evt-{n}",
            "network": "x",
            "kind": kind,
            "actor_id": actor,
            "target_permalink": permalink(SELLER_POST),
            "occurred_at": "2026-11-20T10:00:00Z",
            **fields,
        }

    named = {"target_author_id": SELLER_AUTHOR, "target_created_at": POSTED}
    answer = stack.webhook(
        [
            event(1, "like", "7000000001", **named),
            event(2, "comment", "7000000002", interaction_permalink=permalink(REPLY), **named),
            event(3, "like", "7000000003", target_permalink=permalink(UNNAMED)),
        ]
    )
    assert answer.status == 202

    stack.rt.drain()

    touches = {t["profile"]: t for t in stack.scan("LedgerTable") if "interaction_id" in t}
    assert set(touches) == {"x#7000000001", "x#7000000002"}  # nobody said whose UNNAMED is
    assert {t["post"] for t in touches.values()} == {f"x#{SELLER_POST}"}
    # A reply the fixture file does not list is not known to be deleted: the act counts, and
    # with no words to read, it earns no bonus.
    assert touches["x#7000000002"]["intent_hits"] == []
    assert seller_points(stack, "s-ana") == 1 + 4
    assert stack.by_key("PostCacheTable", "post") == {}
