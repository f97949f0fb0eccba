"""profile, leaderboard, posts, opportunity: what the stack holds, read."""

from __future__ import annotations

import argparse

from socialscore_ops.commands import Result, command
from socialscore_ops.stack import Stack


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    command(verbs, shared, "outputs", outputs, "the stack's outputs: its tables and queues")


def outputs(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    rows = sorted(stack.outputs.items())
    from socialscore_ops.output import table

    return Result(dict(rows), table(["output", "value"], rows))
