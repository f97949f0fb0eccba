"""Where the repository's files are: the template, the functions' code, the demo's data. A module
of its own, so that what reads a path (serve's checks of its files) imports no emulator."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "events" / "demo"  # the demo's stream, posts, sellers and opportunities
