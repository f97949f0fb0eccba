"""The rules of `socialscore leaderboard` and `socialscore posts` (and the report's sellers and
posts), pure: a period's seller and post counters summed from its touches as the score stage sums
them (report.tally.counters, what a `--since` within a day reads; whole days read the same
counters from the rollups), then each seller's, team's, post's and account's row. On the demo's
stack, through the CLI: tests/ops/test_reads.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from socialscore.domain.interaction import Category, Kind
from socialscore.domain.messages import Seller
from socialscore.domain.touch import Touch
from socialscore.report.rows import PostRow, SellerRow, TeamRow
from socialscore.report.tally import accounts, between, counters, post_rows, seller_rows, teams
from tests.unit.test_scoring import touch

ANA = Seller(seller_id="s-ana", team="enterprise")
BO = Seller(seller_id="s-bo", team="enterprise")
CY = Seller(seller_id="s-cy", team="smb")
AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def act(
    n: int,
    kind: Kind,
    seller: Seller | None = None,
    post: str = "100",
    category: Category = Category.ORGANIC,
    at: datetime = AT,
) -> Touch:
    """The n-th act, by its own actor, on `post` (x#<post>), written by `seller`."""
    return touch(
        kind, iid=f"i{n}", actor=f"a{n}", post_id=post, seller=seller, category=category, at=at
    )


def points(*touches: Touch) -> Decimal:
    return sum((Decimal(str(t.weight)) for t in touches), Decimal(0))


def test_a_seller_s_row_counts_its_organic_points_and_touches_and_its_paid_ones_apart() -> None:
    """Best organic points first; a paid touch adds to the paid points only; an act on a post
    no seller wrote credits nobody."""
    comment, like = act(1, Kind.COMMENT, ANA), act(2, Kind.LIKE, ANA)
    paid = act(3, Kind.SHARE, ANA, category=Category.PAID)
    quote, cy_like = act(4, Kind.QUOTE, BO, post="200"), act(5, Kind.LIKE, CY, post="300")
    nobody = act(6, Kind.COMMENT, None, post="400")

    sellers, _ = counters([comment, like, paid, quote, cy_like, nobody])
    rows = seller_rows(sellers, {"s-ana": {"EUR": Decimal(900)}})

    ana = SellerRow(
        "s-ana", "enterprise", points(comment, like), 2, points(paid), 1, {"EUR": Decimal(900)}
    )
    bo = SellerRow("s-bo", "enterprise", points(quote), 1, Decimal(0), 0, {})
    cy = SellerRow("s-cy", "smb", points(cy_like), 1, Decimal(0), 0, {})
    assert points(quote) > points(comment, like) > points(cy_like)  # the bundled weights
    assert rows == [bo, ana, cy]


def test_since_counts_touches_from_that_moment_on_and_a_team_shows_its_sellers_alone() -> None:
    before = act(1, Kind.COMMENT, ANA, at=AT - timedelta(seconds=1))
    at = act(2, Kind.LIKE, ANA, at=AT)  # at the bound: counted
    later = act(3, Kind.LIKE, CY, at=AT + timedelta(hours=3))

    sellers, _ = counters(between([before, at, later], AT, None))
    assert {r.seller_id: r.organic_touches for r in seller_rows(sellers, {})} == {
        "s-ana": 1,
        "s-cy": 1,
    }
    assert [r.seller_id for r in seller_rows(sellers, {}, team="smb")] == ["s-cy"]
    until, _ = counters(between([before, at, later], None, AT))  # until: before it
    assert {r.seller_id: r.organic_touches for r in seller_rows(until, {})} == {"s-ana": 1}


def test_a_team_s_row_sums_its_sellers_and_keeps_each_currency_apart() -> None:
    rows = [
        SellerRow("s-ana", "enterprise", Decimal(5), 2, Decimal(2), 1, {"EUR": Decimal(100)}),
        SellerRow("s-bo", "enterprise", Decimal(6), 1, Decimal(0), 0, {"USD": Decimal(50)}),
        SellerRow("s-cy", "smb", Decimal(12), 3, Decimal("0.5"), 1, {"EUR": Decimal(20)}),
    ]
    assert teams(rows) == [
        TeamRow("smb", 1, Decimal(12), 3, Decimal("0.5"), {"EUR": Decimal(20)}),
        TeamRow(
            "enterprise",
            2,
            Decimal(11),
            3,
            Decimal(2),
            {"EUR": Decimal(100), "USD": Decimal(50)},
        ),
    ]


def test_a_post_s_row_counts_each_organic_reaction_once_by_kind_and_paid_ones_not_at_all() -> None:
    """Conversation: comments; amplification: shares and quotes; applause: likes. A post with
    paid reactions or clicks alone has no row; a post not cached shows "?" and no date."""
    on_100 = [
        act(1, Kind.COMMENT, ANA),
        act(2, Kind.COMMENT, ANA),
        act(3, Kind.SHARE, ANA),
        act(4, Kind.QUOTE, ANA),
        act(5, Kind.LIKE, ANA),
        act(6, Kind.LIKE, ANA, category=Category.PAID),
        act(7, Kind.CLICK, ANA),
    ]
    paid_only = act(8, Kind.LIKE, ANA, post="200", category=Category.PAID)
    uncached = act(9, Kind.LIKE, None, post="300")

    _, posts = counters([*on_100, paid_only, uncached])
    rows = post_rows(
        posts,
        {"x#100": "s-ana"},
        {"x#100": {"created_at": "2026-10-01T14:00:00+00:00"}},
        {"x#100": {"USD": Decimal(40)}},
    )

    assert rows == [
        PostRow("x#100", "s-ana", 2, 2, 1, {"USD": Decimal(40)}, date(2026, 10, 1)),
        PostRow("x#300", "?", 0, 0, 1, {}, None),
    ]


def test_an_account_s_rates_are_per_post_and_its_value_summed_per_currency() -> None:
    """Most reactions first; each rate the account's reactions of that kind over its posts."""
    rows = [
        PostRow("x#1", "s-ana", 3, 1, 4, {"EUR": Decimal(10)}),
        PostRow("x#2", "s-ana", 1, 0, 0, {"USD": Decimal(5)}),
        PostRow("x#3", "x#2002", 0, 2, 9, {"EUR": Decimal(1)}),
    ]
    (first, second) = accounts(rows)
    assert (first.account, first.posts, first.reactions) == ("x#2002", 1, 11)
    assert (second.account, second.posts, second.reactions) == ("s-ana", 2, 9)
    assert (second.conversation, second.amplification, second.applause) == (2.0, 0.5, 2.0)
    assert second.economic_value == {"EUR": Decimal(10), "USD": Decimal(5)}
