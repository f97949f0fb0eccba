"""leaderboard, posts, opportunity: the views over the whole stack, each table read once (the
Snapshot's)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import UTC, datetime

from socialscore.report.attributed import UnknownOpportunity
from socialscore.report.rows import Money, money_text
from socialscore.report.snapshot import Snapshot
from socialscore_ops.commands import Result, as_of_option, command, moment
from socialscore_ops.output import table
from socialscore_ops.stack import OpsError, Stack


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    board = command(verbs, shared, "leaderboard", leaderboard)
    board.add_argument("--team", help="only this team's sellers")
    board.add_argument(
        "--since",
        type=moment,
        metavar="DATE",
        help="count only touches since (and value of opportunities created since) DATE",
    )
    as_of_option(board)
    posts = command(verbs, shared, "posts", top_posts)
    posts.add_argument("--top", type=int, default=20, help="how many posts (default 20)")
    as_of_option(posts)
    opp = command(verbs, shared, "opportunity", opportunity)
    opp.add_argument("id", help="the CRM opportunity id")
    as_of_option(opp)


def _when(args: argparse.Namespace) -> datetime:
    return args.as_of or datetime.now(UTC)


def _stack(stack: Stack | None) -> Stack:
    if stack is None:  # every command of this module is registered with needs_stack
        raise OpsError("no stack")
    return stack


ACCOUNT_HEADERS = ["account", "posts", "reactions", "conversation", "amplification", "applause"]
ACCOUNT_HEADERS += ["value"]


def _money(values: list[Money]) -> list[str]:
    """Each as `74,814.06 USD · 18,500.00 EUR` (`-`: none), right-aligned in its column."""
    texts = [money_text(v) for v in values]
    width = max((len(t) for t in texts), default=0)
    return [t.rjust(width) for t in texts]


def leaderboard(stack: Stack | None, args: argparse.Namespace) -> Result:
    snap = Snapshot(_stack(stack), _when(args))
    sellers = snap.sellers(since=args.since, team=args.team)
    teams = Snapshot.teams(sellers)
    model = snap.model.attribution.primary
    seller_value = _money([r.attributed for r in sellers])
    team_value = _money([t.attributed for t in teams])
    text = "\n".join(
        [
            f"sellers (attributed: {model}"
            + (f"; since {args.since:%Y-%m-%d}" if args.since else "")
            + ")",
            table(
                ["seller", "team", "points", "touches", "paid points", "attributed"],
                [
                    (
                        r.seller_id,
                        r.team,
                        r.organic_points,
                        r.organic_touches,
                        r.paid_points,
                        value,
                    )
                    for r, value in zip(sellers, seller_value, strict=True)
                ],
            ),
            "",
            "teams",
            table(
                ["team", "sellers", "points", "touches", "paid points", "attributed"],
                [
                    (
                        t.team,
                        t.sellers,
                        t.organic_points,
                        t.organic_touches,
                        t.paid_points,
                        value,
                    )
                    for t, value in zip(teams, team_value, strict=True)
                ],
            ),
        ]
    )
    data = {
        "model": model,
        "sellers": [asdict(r) for r in sellers],
        "teams": [asdict(t) for t in teams],
    }
    return Result(data, text)


def top_posts(stack: Stack | None, args: argparse.Namespace) -> Result:
    snap = Snapshot(_stack(stack), _when(args))
    every = snap.posts()
    shown = every[: max(args.top, 0)]
    accounts = Snapshot.accounts(every)
    post_value = _money([p.economic_value for p in shown])
    account_value = _money([a.economic_value for a in accounts])
    text = "\n".join(
        [
            f"posts: top {len(shown)} of {len(every)} by organic reactions",
            table(
                ["post", "account", "conversation", "amplification", "applause", "value"],
                [
                    (p.post, p.account, p.comments, p.amplification, p.applause, value)
                    for p, value in zip(shown, post_value, strict=True)
                ],
            ),
            "",
            "accounts: rates per post, most reactions first",
            table(
                ACCOUNT_HEADERS,
                [
                    (
                        a.account,
                        a.posts,
                        a.reactions,
                        a.conversation,
                        a.amplification,
                        a.applause,
                        value,
                    )
                    for a, value in zip(accounts, account_value, strict=True)
                ],
            ),
        ]
    )
    data = {"posts": [asdict(p) for p in shown], "accounts": [asdict(a) for a in accounts]}
    return Result(data, text)


def opportunity(stack: Stack | None, args: argparse.Namespace) -> Result:
    try:
        view = Snapshot(_stack(stack), _when(args)).opportunity(args.id)
    except UnknownOpportunity as unknown:
        raise OpsError(f"{unknown} (run sync)") from None
    lines = [
        f"opportunity {view.id}: {view.amount:,.2f} {view.currency}, stage {view.stage or '-'}, "
        f"{view.touches} touches in its window; primary model {view.primary}"
    ]
    for dimension in ("seller", "post", "network"):
        models = list(view.by_model)
        everyone = sorted({w for m in models for w in view.by_model[m][dimension]})
        lines += [
            "",
            f"by {dimension}",
            table(
                [dimension, *models],
                [(w, *(view.by_model[m][dimension].get(w, 0) for m in models)) for w in everyone],
            ),
        ]
    return Result(asdict(view), "\n".join(lines))
