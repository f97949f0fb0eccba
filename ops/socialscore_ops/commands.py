"""The commands, each in its own module: `add(verbs, shared)` registers its parsers, and each
parser's `run(stack, args) -> Result` does the work (`needs_stack` False: no stack read)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialscore_ops.stack import Stack

Verbs = "argparse._SubParsersAction[argparse.ArgumentParser]"


@dataclass(frozen=True)
class Result:
    data: Any  # what --json prints: plain JSON values (Decimal and datetime print as strings)
    text: str  # what a person reads


Run = Callable[["Stack | None", argparse.Namespace], Result]


def command(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
    shared: argparse.ArgumentParser,
    name: str,
    run: Run,
    help: str,
    *,
    needs_stack: bool = True,
) -> argparse.ArgumentParser:
    """One command's parser, with the shared options, bound to its run()."""
    parser = verbs.add_parser(name, parents=[shared], help=help, description=help)
    parser.set_defaults(run=run, needs_stack=needs_stack)
    return parser


def moment(value: str) -> datetime:
    """A date (2026-11-01, midnight) or an ISO 8601 moment; UTC unless it says otherwise."""
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (e.g. 2026-11-01)") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", type=moment, default=None, metavar="DATE", help="scores as of DATE (now)"
    )


def add_all(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    from socialscore_ops import engage, maintenance, queues, reads, refusals, registry, report

    for module in (reads, engage, registry, queues, refusals, maintenance, report):
        module.add(verbs, shared)
