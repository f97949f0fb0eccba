"""socialscore: see and run a socialscore stack, deployed (--stack NAME) or local (--local URL).

Every command prints a table for a person, or JSON with --json for a script. A mistake (an
unknown stack, nothing at the port, an unknown contact, a bad file) is one line on stderr and
exit status 2; a refusal by AWS is one line and status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date

from botocore.exceptions import BotoCoreError, ClientError

from socialscore import __version__
from socialscore_ops import commands
from socialscore_ops.stack import OpsError, Stack, deployed, local

DEFAULT_LOCAL = "http://127.0.0.1:8787"  # make serve's


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


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="socialscore", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    _where(top, None)
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    top.set_defaults(json=False)
    # On each command too, suppressed unless given there: `socialscore profile X --json` works.
    shared = argparse.ArgumentParser(add_help=False)
    _where(shared, argparse.SUPPRESS)
    verbs = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_all(verbs, shared)
    return top


def connect(args: argparse.Namespace) -> Stack:
    if args.stack:
        return deployed(args.stack, args.region)
    return local(args.local or DEFAULT_LOCAL)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        stack = connect(args) if args.needs_stack else None
        result = args.run(stack, args)
    except OpsError as err:
        print(f"socialscore: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except ClientError as err:
        error = err.response.get("Error", {})
        print(
            f"socialscore: AWS refused: {error.get('Code')}: {error.get('Message')}",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    except BotoCoreError as err:
        print(f"socialscore: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    print(json.dumps(result.data, indent=2, default=plain) if args.json else result.text)


def plain(value: object) -> str:
    """JSON for what json does not know: times in ISO 8601, Decimals exactly, as strings."""
    return value.isoformat() if isinstance(value, date) else str(value)
