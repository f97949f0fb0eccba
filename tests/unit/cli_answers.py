"""`socialscore ARGS` run in this process, as a user runs it: its exit status, stdout, stderr.
For the commands' rules that need no stack (tests/unit) and, with `--stack`, for the commands
against a deployed stack on moto (tests/ops)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from typing import Any

from socialscore_ops import cli


@dataclass
class Answer:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def socialscore(*args: str, typed: str = "") -> Answer:
    """`socialscore ARGS`, `typed` on its stdin (nothing: a script's empty stdin)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    kept = sys.stdin
    sys.stdin = io.StringIO(typed)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main(list(args))
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdin = kept
    return Answer(code, out.getvalue(), err.getvalue())
