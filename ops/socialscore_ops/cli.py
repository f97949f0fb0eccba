"""socialscore: see and run a socialscore stack, deployed (--stack NAME) or local (--local URL).

Every command prints a table for a person, or JSON with --json for a script. A mistake (an
unknown stack, nothing at the port, an unknown contact, a bad file) is one line on stderr and
exit status 2; a refusal by AWS is one line and status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, NoReturn

from socialscore import __version__
from socialscore_ops import commands

if TYPE_CHECKING:
    from socialscore_ops.commands import Result
    from socialscore_ops.stack import Stack

DEFAULT_LOCAL = "http://127.0.0.1:8787"  # make serve's
DEBUG = "SOCIALSCORE_DEBUG"  # set: an unexpected error shows its traceback
PIPE_CLOSED = 141  # what a shell shows for a writer whose reader left: 128 + SIGPIPE


def _where(parser: argparse.ArgumentParser, default: object) -> None:
    """The options every command takes, before or after its name."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--local", metavar="URL", default=default, help=f"a running serve (default {DEFAULT_LOCAL})"
    )
    where.add_argument("--stack", metavar="NAME", default=default, help="a deployed stack")
    parser.add_argument("--region", default=default, help="the deployed stack's region")
    parser.add_argument(
        "--json", action="store_true", default=default, help="print JSON for scripts"
    )


def parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser for this command line: the chosen command's arguments, or every command's
    name and line when none is chosen (--help)."""
    top = argparse.ArgumentParser(
        prog="socialscore",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
        allow_abbrev=False,  # `--loc URL` would hide which word is the command
    )
    _where(top, None)
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    top.set_defaults(json=False)
    # On each command too, suppressed unless given there: `socialscore profile X --json` works.
    shared = argparse.ArgumentParser(add_help=False)
    _where(shared, argparse.SUPPRESS)
    verbs = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_all(verbs, shared, argv)
    return top


def connect(args: argparse.Namespace) -> Stack:
    from socialscore_ops.stack import deployed, local

    if args.stack:
        return deployed(args.stack, args.region)
    return local(args.local or DEFAULT_LOCAL)


def main(argv: Sequence[str] | None = None) -> None:
    words = sys.argv[1:] if argv is None else list(argv)
    args = parser(words).parse_args(words)
    try:
        result = _run(args)
        print(json.dumps(result.data, indent=2, default=plain) if args.json else result.text)
        sys.stdout.flush()  # a closed pipe is found here, inside the try
        for note in result.notes:
            print(f"socialscore: {note}", file=sys.stderr)
    except BrokenPipeError:
        # The reader left (`| head -1`): nothing to say. Python flushes stdout again at exit,
        # so it is pointed at devnull first (https://docs.python.org/3/library/signal.html,
        # "Note on SIGPIPE").
        if _has_fd(sys.stdout):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(PIPE_CLOSED) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    if result.status:
        raise SystemExit(result.status)


def _run(args: argparse.Namespace) -> Result:
    """The command's output, or SystemExit with its one line on stderr."""
    from botocore.exceptions import BotoCoreError, ClientError

    from socialscore_ops.stack import OpsError

    try:
        stack = connect(args) if args.needs_stack else None
        result: Result = args.run(stack, args)
    except OpsError as err:
        _fail(str(err), 2)
    except ClientError as err:
        error = err.response.get("Error", {})
        _fail(f"AWS refused: {error.get('Code')}: {error.get('Message')}", 1)
    except BotoCoreError as err:
        _fail(str(err), 1)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as err:  # a bug or an unforeseen failure: still one line for a person
        if os.environ.get(DEBUG):
            raise
        _fail(f"unexpected {type(err).__name__}: {err} (set {DEBUG}=1 to see where)", 1)
    return result


def _fail(line: str, status: int) -> NoReturn:
    print(f"socialscore: {line}", file=sys.stderr)
    raise SystemExit(status)


def _has_fd(stream: object) -> bool:
    try:
        return isinstance(stream.fileno(), int)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def plain(value: object) -> str:
    """JSON for what json does not know: times in ISO 8601, Decimals exactly, as strings."""
    return value.isoformat() if isinstance(value, date) else str(value)
