"""The report page (being written)."""

from __future__ import annotations

from socialscore_ops.snapshot import Snapshot


def render(snapshot: Snapshot) -> str:
    return f"<!doctype html><title>socialscore</title><p>{len(snapshot.sellers())} sellers</p>"
