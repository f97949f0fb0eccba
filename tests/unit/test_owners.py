"""Whom a hot lead or complaint is routed to: the contact's CRM owner, else the seller whose
posts earned most of the profile's organic touches, else the queue."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from socialscore.domain.interaction import Category
from socialscore.domain.owners import Owner, owner_of, top_seller
from socialscore.domain.touch import Touch
from socialscore.pipeline.routing import Router
from socialscore_local.memory.scores import MemoryScoreStore
from tests.unit.test_journeys import touch as journey_touch


def touch(seller: str | None, hours: int, category: Category = Category.ORGANIC) -> Touch:
    return journey_touch(hours, hours=hours, seller=seller, category=category)


def test_the_crm_owner_wins_over_every_seller() -> None:
    assert owner_of("005A1", [touch("s-ana", 1)], "social-team") == Owner("crm_owner", "005A1")


def test_else_the_seller_with_most_organic_touches_paid_ones_aside() -> None:
    touches = [touch("s-ana", 1), touch("s-ana", 2), touch("s-ben", 3)]
    touches += [touch("s-ben", h, Category.PAID) for h in (4, 5, 6)]  # paid: not an earned touch
    assert owner_of(None, touches, "social-team") == Owner("seller", "s-ana")


def test_a_tie_goes_to_the_seller_of_the_latest_touch_whatever_the_order() -> None:
    touches = [touch("s-ana", 1), touch("s-ben", 2), touch("s-ana", 3), touch("s-ben", 9)]
    assert top_seller(touches) == top_seller(reversed(touches)) == "s-ben"
    same_moment = [touch("s-ben", 1), replace(touch("s-ana", 1), dedupe_key="other")]
    assert top_seller(same_moment) == top_seller(reversed(same_moment)) == "s-ana"


def test_else_the_queue() -> None:
    assert owner_of(None, [touch(None, 1)], "social-team") == Owner("queue", "social-team")
    assert owner_of(None, [], "support") == Owner("queue", "support")


class Links:
    def owners_of(self, identities: list[str]) -> dict[str, str]:
        return {i: "005A1" for i in identities if i == "x#owned"}


class History:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def touches_of(self, profile: str) -> list[Touch]:
        self.asked.append(profile)
        return [
            replace(touch("s-ana", 1), profile=profile),
            replace(touch("s-ben", 2), profile=profile),
        ]


def test_the_router_answers_from_the_tally_and_reads_the_ledger_only_on_a_tie() -> None:
    scores, history = MemoryScoreStore(), History()
    scores.add("x#anon", Category.ORGANIC, Decimal(3), touches=2, seller="s-ana")
    scores.add("x#anon", Category.ORGANIC, Decimal(1), touches=1, seller="s-ben")
    scores.add("x#anon", Category.PAID, Decimal(9), touches=5, seller="s-ben")  # paid: no tally
    scores.add("x#tied", Category.ORGANIC, Decimal(1), touches=1, seller="s-ana")
    scores.add("x#tied", Category.ORGANIC, Decimal(1), touches=1, seller="s-ben")
    scores.add("x#brand", Category.ORGANIC, Decimal(1), touches=4)  # no seller's post
    router = Router(Links(), scores, history, "social-team")
    owners = router.owners(["x#owned", "x#anon", "x#anon", "x#tied", "x#brand"])
    assert owners == {
        "x#owned": Owner("crm_owner", "005A1"),
        "x#anon": Owner("seller", "s-ana"),
        "x#tied": Owner("seller", "s-ben"),  # the latest of the tied sellers' touches: Ben's
        "x#brand": Owner("queue", "social-team"),
    }
    assert history.asked == ["x#tied"]  # the ledger only for the tie
    assert router.owners([]) == {}
