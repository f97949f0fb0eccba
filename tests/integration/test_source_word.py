"""Posts credited on their source's word, on the local runtime: `serve` credits a user's own
interactions when the SMMS names the post's author, and the X provider (its stub on 127.0.0.1)
is asked only for what it alone can tell: the words of a reply, quote or mention, and targets
nobody named an author for. A vouched batch reading neither cache nor provider, crediting without
a provider, and a post_deleted event stopping credit are proven in memory (tests/unit/
test_source_word.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from socialscore.domain.interaction import Identify, Kind
from socialscore.domain.messages import Rehydrated
from socialscore.domain.post import PostFacts
from tests.integration.support import SELLER_AUTHOR, Stack, interaction, permalink
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.test_source_word import POSTED, REPLY, RETWEET, SELLER_POST, UNNAMED, vouched

FN = "RehydrateFunction"
FORWARDED: TypeAdapter[Rehydrated | Identify] = TypeAdapter(Rehydrated | Identify)


def forwarded(stack: Stack) -> dict[str, Rehydrated]:
    out = {}
    for raw in stack.take("ResolveQueue"):
        message = FORWARDED.validate_json(raw)
        if isinstance(message, Rehydrated):
            out[message.interaction.interaction_id] = message
    return out


def seller_points(stack: Stack, seller: str) -> Decimal:
    return sum(
        (
            i.get("organic_points", Decimal(0))
            for i in stack.scan("ScoresTable")
            if i["pk"].startswith(f"seller#{seller}#")
        ),
        Decimal(0),
    )


@contextmanager
def x_provider(
    start_stack: Callable[..., AbstractContextManager[Stack]], x: XApiStub
) -> Iterator[Stack]:
    with start_stack(POST_PROVIDER="x", X_API_BASE_URL=x.url) as stack:
        stack.rt.client("secretsmanager").put_secret_value(
            SecretId=stack.rt.physical["XApiCredentials"]["Ref"], SecretString=x.token
        )
        yield stack


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


def test_the_x_provider_is_asked_only_for_what_it_alone_can_tell(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    stub = {
        REPLY: post("3003", text="We are evaluating vendors", replied_to=SELLER_POST),
        RETWEET: post("3004", text="RT @ana: launch day", retweeted=SELLER_POST),
        UNNAMED: post("2002", text="Five questions for CIOs"),
    }
    with XApiStub(posts=stub) as x, x_provider(start_stack, x) as stack:
        stack.send(
            "RehydrateQueue",
            [
                vouched(1),
                vouched(2, kind=Kind.COMMENT, actor="u2", own_post=REPLY),
                vouched(3, kind=Kind.SHARE, actor="u3", own_post=RETWEET),
                interaction(4, actor="u4", post=UNNAMED),
            ],
        )

        stack.poll(FN)

        out = forwarded(stack)
        assert x.requests == [sorted([REPLY, UNNAMED])]  # one call, for two posts of four
        facts = PostFacts(
            network="x", post_id=SELLER_POST, author_id=SELLER_AUTHOR, created_at=POSTED
        )
        assert [out[f"iid-{n}"].target for n in (1, 2, 3)] == [facts] * 3
        assert out["iid-2"].intent_hits == ["evaluating vendors"]
        assert out["iid-4"].target is not None
        assert out["iid-4"].target.author_id == "2002"
        assert set(stack.by_key("PostCacheTable", "post")) == {f"x#{REPLY}", f"x#{UNNAMED}"}
