"""Acts by the brand or a registered seller are never a prospect's touches: resolve drops them,
except that their reply or quote of an act's post answers that act (the engage-now queue)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from socialscore.domain.acts import act
from socialscore.domain.interaction import Answered, Kind, Network
from socialscore.domain.messages import Rehydrated, Resolved, Seller
from socialscore.domain.post import PostFacts
from socialscore.pipeline.ports import IdentityLinks
from socialscore.pipeline.resolution import resolve
from socialscore_local.memory.sellers import MemorySellers

AT = datetime(2026, 10, 15, 9, tzinfo=UTC)
ANA = Seller(seller_id="s-ana", team="enterprise")
ANA_ID, BRAND, PROSPECT = "31337", "2244994945", "987654321"


class Identities:
    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        return {}


def rehydrated(kind: Kind, actor: str, post: str | None = None, **ids: str) -> Rehydrated:
    own = ids.pop("own", None)
    author = ids.get("target_author_id")
    facts = (
        PostFacts(network=Network.X, post_id=post, author_id=author) if post and author else None
    )
    return Rehydrated(
        interaction=act(
            "x", Network.X, kind, actor, AT, target_post_id=post, own_post_id=own, **ids
        ),
        target=facts,
    )


def run(*items: Rehydrated) -> list[Resolved | Answered | None]:
    registry = MemorySellers(
        {f"x#{ANA_ID}": ANA, f"x#{BRAND}": Seller(seller_id="brand", team="brand")}
    )
    return resolve(list(items), cast(IdentityLinks, Identities()), registry)


def test_the_brand_retweeting_a_seller_credits_nobody() -> None:
    share = rehydrated(Kind.SHARE, BRAND, "9", target_author_id=ANA_ID, own="10")
    like = rehydrated(Kind.LIKE, ANA_ID, "11", target_author_id=BRAND)
    follow = rehydrated(Kind.FOLLOW, ANA_ID, target_user_id=BRAND)
    mention = rehydrated(Kind.MENTION, ANA_ID, target_user_id=BRAND, own="12")
    assert run(share, like, follow, mention) == [None, None, None, None]


def test_a_seller_s_reply_answers_the_act_it_replies_to() -> None:
    reply = rehydrated(Kind.COMMENT, ANA_ID, "20", target_author_id=PROSPECT, own="21")
    [answered] = run(reply)
    assert isinstance(answered, Answered)
    assert (answered.post, answered.occurred_at) == ("x#20", AT)


def test_a_prospect_s_act_on_a_seller_s_post_still_credits_the_seller() -> None:
    like = rehydrated(Kind.LIKE, PROSPECT, "30", target_author_id=ANA_ID)
    [resolved] = run(like)
    assert isinstance(resolved, Resolved)
    assert resolved.seller == ANA
