"""The commands, each in its own module: `add(verbs, shared)` registers its parsers, and each
parser's `run(stack, args) -> Result` does the work (`needs_stack` False: no stack read)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
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


def add_all(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    from socialscore_ops import maintenance, queues, reads, registry, report

    for module in (reads, registry, queues, maintenance, report):
        module.add(verbs, shared)
