"""Posts credited on their source's word: when the webhook said whose post the target is, no
provider and no cache is asked about it, on any network. The provider is asked only for what it
alone can tell: the words of a reply, quote or mention, and targets nobody named an author for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from socialscore.domain.interaction import Identify, Interaction, Kind, PostDeleted
from socialscore.domain.messages import Rehydrated
from socialscore.domain.post import PostFacts
from tests.integration.support import SELLER_AUTHOR, Stack, interaction, permalink, utc
from tests.stubs.x_api_stub import XApiStub, post

FN = "RehydrateFunction"
FORWARDED: TypeAdapter[Rehydrated | Identify] = TypeAdapter(Rehydrated | Identify)
SELLER_POST = "2500000000000000001"  # s-ana's, unknown to the fixture file and to the X stub
UNNAMED = "2500000000000000002"  # someone's post; no source says whose
REPLY = "2500000000000000003"
RETWEET = "2500000000000000004"
POSTED = "2026-10-07T08:30:00Z"
LINKEDIN = "https://www.linkedin.com/feed/update/urn:li:activity:7195092498207780864/"


def vouched(n: int, **kwargs: Any) -> Interaction:
    """An interaction with s-ana's post whose source said she wrote it, and when."""
    i = interaction(n, post=SELLER_POST, **kwargs)
    return i.model_copy(
        update={"target_author_id": SELLER_AUTHOR, "target_created_at": utc(POSTED)}
    )


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


def test_a_batch_the_sources_vouched_for_reads_neither_the_cache_nor_the_provider(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with XApiStub() as x, x_provider(start_stack, x) as stack:
        linkedin = interaction(3, actor="u3", post=None, target_link=LINKEDIN)
        stack.send(
            "RehydrateQueue",
            [
                vouched(1),
                vouched(2, kind=Kind.SHARE, actor="u2", own_post=RETWEET),
                linkedin.model_copy(update={"target_author_id": "ana-li"}),
                interaction(4, kind=Kind.FOLLOW, actor="u4", post=None, followed=SELLER_AUTHOR),
            ],
        )

        stack.poll(FN)

        assert set(forwarded(stack)) == {"iid-1", "iid-2", "iid-3", "iid-4"}
        assert x.calls == 0
        assert stack.calls(FN, "BatchGetItem") == 0
        assert stack.calls(FN, "BatchWriteItem") == 0


def test_without_a_provider_only_posts_whose_author_was_named_are_credited(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with start_stack(POST_PROVIDER="none") as stack:
        stack.send(
            "RehydrateQueue",
            [
                vouched(1),
                vouched(2, kind=Kind.COMMENT, actor="u2", own_post=REPLY),
                interaction(3, actor="u3", post=UNNAMED),
                interaction(4, kind=Kind.FOLLOW, actor="u4", post=None, followed=SELLER_AUTHOR),
            ],
        )

        stack.poll(FN)

        out = forwarded(stack)
        assert set(out) == {"iid-1", "iid-2", "iid-4"}
        assert out["iid-2"].intent_hits == []  # no provider to read the reply's words
        assert stack.rt.depth("RehydrateQueue") == 0  # the unnamed one is dropped, not retried
        assert stack.calls(FN, "BatchGetItem") == 0


def test_a_post_deleted_event_stops_credit_on_the_source_s_word(stack: Stack) -> None:
    stack.send("RehydrateQueue", [vouched(1)])
    stack.poll(FN)
    assert set(forwarded(stack)) == {"iid-1"}
    gone = PostDeleted(source="x", post=f"x#{SELLER_POST}", occurred_at="2026-11-02T00:00:00Z")
    stack.send("RehydrateQueue", [gone])
    stack.poll(FN)
    stack.take("ResolveQueue")

    stack.send("RehydrateQueue", [vouched(2, actor="u2")])
    stack.poll(FN)

    assert forwarded(stack) == {}  # dropped: known deleted in this container for an hour
