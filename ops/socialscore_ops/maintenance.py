"""model validate | publish, rebuild: changing the scoring model, and the scores with it."""

from __future__ import annotations

import argparse

from socialscore_ops import model, rebuild


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    model.add(verbs, shared)
    rebuild.add(verbs, shared)
