"""A command run in a python of its own, as `python -m MODULE ARGS...`, and the heavy modules it
imported: what an operator waits for before the command's first line."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path

# At exit, SystemExit included, the modules named in `heavy` or under one of them, as JSON to a
# file: the command's own stdout and stderr stay as the operator sees them.
_RUN = """
import atexit, json, runpy, sys
module, listing, heavy = sys.argv[1], sys.argv[2], set(json.loads(sys.argv[3]))
def write_listing():
    with open(listing, "w") as out:
        json.dump(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy), out)
atexit.register(write_listing)
sys.argv = [module, *sys.argv[4:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def run_listing_heavy(
    module: str, args: Sequence[str], heavy: Collection[str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The command's answer, and the modules of `heavy` (a package stands for its modules) it
    imported, sorted."""
    with tempfile.TemporaryDirectory() as work:
        listing = Path(work) / "imported.json"
        answer = subprocess.run(
            [sys.executable, "-c", _RUN, module, str(listing), json.dumps(sorted(heavy)), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        imported: list[str] = json.loads(listing.read_text())
    return answer, imported
