"""The X provider asked only for what it alone can tell, in memory: the words of a reply, quote
or mention, and targets nobody named an author for; the posts whose source said who wrote them
are credited on that word. The rehydrate stage's use case on the post cache's fake, X's real
provider code with the X stub answering in process (tests/unit/in_process.py). Moved from
tests/integration/test_source_word.py, which keeps `serve`'s path from the webhook to the ledger
and the cache (X's provider wired from its secret end to end: test_rehydrate_x)."""

from __future__ import annotations

from socialscore.domain.interaction import Kind, Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.pipeline.rehydration import Rehydrator
from socialscore_local.memory.post_cache import MemoryPostCache
from tests.integration.support import SELLER_AUTHOR, interaction
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.in_process import provider
from tests.unit.test_source_word import POSTED, REPLY, RETWEET, SELLER_POST, UNNAMED, take, vouched


def test_the_x_provider_is_asked_only_for_what_it_alone_can_tell() -> None:
    x = XApiStub(
        posts={
            REPLY: post("3003", text="We are evaluating vendors", replied_to=SELLER_POST),
            RETWEET: post("3004", text="RT @ana: launch day", retweeted=SELLER_POST),
            UNNAMED: post("2002", text="Five questions for CIOs"),
        }
    )
    cache = MemoryPostCache()

    out, later = take(
        Rehydrator(cache, provider(x)),
        [
            vouched(1),
            vouched(2, kind=Kind.COMMENT, actor="u2", own_post=REPLY),
            vouched(3, kind=Kind.SHARE, actor="u3", own_post=RETWEET),
            interaction(4, actor="u4", post=UNNAMED),
        ],
    )

    assert x.requests == [sorted([REPLY, UNNAMED])]  # one call, for two posts of four
    facts = PostFacts(network="x", post_id=SELLER_POST, author_id=SELLER_AUTHOR, created_at=POSTED)
    assert [out[f"iid-{n}"].target for n in (1, 2, 3)] == [facts] * 3
    assert out["iid-2"].intent_hits == ["evaluating vendors"]
    assert out["iid-4"].target is not None
    assert out["iid-4"].target.author_id == "2002"
    assert set(cache.items) == {PostRef(Network.X, REPLY), PostRef(Network.X, UNNAMED)}
    assert later.sent == []
