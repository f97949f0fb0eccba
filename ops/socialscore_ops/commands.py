"""The commands, each in its own module: `add(verbs, shared)` registers its parsers, and each
parser's `run(stack, args) -> Result` does the work (`needs_stack` False: no stack read).

A person waits for every import, so a command loads only its own module: `socialscore --help`
lists the commands from CATALOGUE alone (argparse, no boto3, no pydantic), and `socialscore
profile X` imports what a profile read needs and nothing of the report or the queues.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialscore_ops.stack import Stack

Verbs = "argparse._SubParsersAction[argparse.ArgumentParser]"

# command -> (the module that registers and runs it, the line `socialscore --help` shows)
CATALOGUE: dict[str, tuple[str, str]] = {
    "profile": ("people", "one or more contacts (or network#user): scores, buckets, identities"),
    "contacts": ("people", "the linked contacts, a page at a time: identities and scores now"),
    "leaderboard": ("reads", "sellers and teams: organic points, touches, attributed value"),
    "engage": ("engage", "the engage-now queue: acts worth answering, best first, and why"),
    "posts": ("reads", "per post and per account: conversation, amplification, applause, value"),
    "opportunity": ("reads", "an opportunity's attributed influence by seller, post and network"),
    "top": ("top", "the best profiles by organic score now, or the hot leads and their owners"),
    "sellers": ("registry", "register sellers and brand accounts from a CSV file"),
    "identities": ("registry", "link known contacts from a CSV file; review doubtful matches"),
    "coverage": ("coverage", "identity coverage: engagement from known contacts, who to identify"),
    "refusals": ("refusals", "webhooks refused and events ignored, by reason"),
    "dlq": ("queues", "each stage's DLQ: depth and logged reasons"),
    "redrive": ("queues", "move a stage's DLQ back to its queue"),
    "erase": ("queues", "forget a person (consent withdrawn); asks first unless --yes"),
    "backfill": ("backfill", "load past interactions from an SMMS events file (JSON lines or CSV)"),
    "sync": ("runs", "run crm_sync now and print what it did"),
    "invoke": ("runs", "run any function now with an event file (sam local invoke, no docker)"),
    "model": ("model", "check or publish a scoring model"),
    "rebuild": ("rebuild", "recompute every aggregate from the ledger for the live model"),
    "report": ("report", "the report page as an HTML file, or a link to the stack's"),
    "outputs": ("resources", "the stack's outputs: where its tables, queues and API are"),
    "env-vars": ("resources", "each function's environment, for `sam local invoke --env-vars`"),
}
# Options of the top parser that take a value: the word after one is not a command.
VALUED = {"--local", "--stack", "--region"}


@dataclass(frozen=True)
class Result:
    data: Any  # what --json prints: plain JSON values (Decimal and datetime print as strings)
    text: str  # what a person reads
    notes: tuple[str, ...] = ()  # one line each on stderr, after the output (a part not done)
    status: int = 0  # the exit status, once the output is printed


Run = Callable[["Stack | None", argparse.Namespace], Result]


def command(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    shared: argparse.ArgumentParser,
    name: str,
    run: Run,
    help: str | None = None,
    *,
    needs_stack: bool = True,
) -> argparse.ArgumentParser:
    """One command's parser, with the shared options, bound to its run(); its description is
    `help`, or the catalogue's line."""
    text = help or CATALOGUE[name][1]
    parser = verbs.add_parser(name, parents=[shared], help=text, description=text)
    parser.set_defaults(run=run, needs_stack=needs_stack)
    return parser


def moment(value: str) -> datetime:
    """A date (2026-11-01, midnight) or an ISO 8601 moment; UTC unless it says otherwise."""
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (e.g. 2026-11-01)") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def as_of_option(parser: argparse.ArgumentParser, what: str = "scores as of DATE") -> None:
    parser.add_argument("--as-of", type=moment, default=None, metavar="DATE", help=f"{what} (now)")


def chosen(argv: Sequence[str]) -> str | None:
    """The command named in argv, or None (none, `--help`, `--version`, a misspelt one)."""
    words = iter(argv)
    for word in words:
        if word in VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word if word in CATALOGUE else None
    return None


def add_all(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    shared: argparse.ArgumentParser,
    argv: Sequence[str],
) -> None:
    """The chosen command's module adds its parsers; without one, every command is listed by
    its catalogue line (enough for --help and for argparse to name the choices)."""
    name = chosen(argv)
    if name is None:
        for each, (_, summary) in CATALOGUE.items():
            verbs.add_parser(each, help=summary)
        return
    import_module(f"socialscore_ops.{CATALOGUE[name][0]}").add(verbs, shared)
