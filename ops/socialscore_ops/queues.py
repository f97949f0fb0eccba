"""(being written)"""

from __future__ import annotations

import argparse


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    """Registers this module's commands (none yet)."""
