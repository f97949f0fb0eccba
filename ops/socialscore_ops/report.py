"""report: the report page serve shows at /report, rendered from any stack, local or deployed,
to one self-contained HTML file to open, print or mail (it loads nothing); or, with --link, a
presigned link to the page the stack's report function wrote to its private bucket, for a
marketing manager to open in any browser without AWS credentials."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from socialscore.aws import clients
from socialscore.report import LATEST_KEY
from socialscore.report import page as report_page
from socialscore.report.period import DEFAULT_PERIOD, PERIODS
from socialscore.report.snapshot import Snapshot
from socialscore_ops.commands import Result, as_of_option, command
from socialscore_ops.stack import OpsError, Stack

DEFAULT_OUT = "socialscore-report.html"
DEFAULT_LINK_SECONDS = 24 * 3600
MAX_LINK_SECONDS = 7 * 24 * 3600  # what SigV4 lets a presigned URL live


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    parser = command(
        verbs,
        shared,
        "report",
        report,
        "write the report page to an HTML file, or print a link to the one the stack wrote",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        default=Path(DEFAULT_OUT),
        help=f"where to write it (default {DEFAULT_OUT})",
    )
    as_of_option(parser)
    parser.add_argument(
        "--period",
        type=int,
        choices=PERIODS,
        default=DEFAULT_PERIOD,
        metavar="DAYS",
        help=f"the period the page shows beside the one before: 7, 30 or 90 days "
        f"(default {DEFAULT_PERIOD}); with --refresh, the period the function draws",
    )
    _link_options(parser)


def _link_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--link",
        action="store_true",
        help="print a presigned link to the page the stack wrote to its report bucket",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="with --link: run the report function first"
    )
    parser.add_argument(
        "--expires",
        type=int,
        default=DEFAULT_LINK_SECONDS,
        metavar="SECONDS",
        help=f"with --link: how long it opens (default {DEFAULT_LINK_SECONDS}, at most "
        f"{MAX_LINK_SECONDS}; a link signed with temporary credentials dies with them)",
    )


def report(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    if args.link:
        return link(stack, args)
    moment: datetime = args.as_of or datetime.now(UTC)
    path: Path = args.out.expanduser().absolute()
    if not path.parent.is_dir():  # refused before the page is drawn: a minute at 1M profiles
        raise OpsError(f"cannot write {path}: no folder {path.parent}")
    page = report_page.render(Snapshot(stack, moment, args.period)).encode()
    try:
        path.write_bytes(page)
    except OSError as err:  # no permission, a full disk: the user's to fix, in one line
        raise OpsError(f"cannot write {path}: {err.strerror or err}") from None
    found = {"path": str(path), "bytes": len(page), "as_of": moment.isoformat()}
    return Result(found | {"period_days": args.period}, str(path))


def link(stack: Stack, args: argparse.Namespace) -> Result:
    """A presigned GET of the page in the report bucket, signed with the operator's credentials:
    whoever holds the link reads that one object until it expires, and nothing else."""
    if not 1 <= args.expires <= MAX_LINK_SECONDS:
        raise OpsError(f"--expires takes 1 to {MAX_LINK_SECONDS} seconds, not {args.expires}")
    if args.refresh:
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        stack.invoke("ReportFunction", {"as_of": now, "period": args.period})
    bucket = stack.output("ReportBucketName")
    s3 = clients.client("s3")
    try:
        written = s3.head_object(Bucket=bucket, Key=LATEST_KEY)["LastModified"]
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("404", "NoSuchKey"):
            raise
        raise OpsError(
            "no report written yet: pass --refresh, or wait for the schedule (ReportSchedule)"
        ) from None
    # SigV4 whatever the region's default: the only signature a 7-day link can carry.
    signer = boto3.client("s3", config=Config(signature_version="s3v4"))
    url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": LATEST_KEY}, ExpiresIn=args.expires
    )
    hours = args.expires / 3600
    text = (
        f"{url}\n(written {written:%Y-%m-%d %H:%M} UTC; opens for {hours:g} h, for whoever has it)"
    )
    return Result({"url": url, "expires_in": args.expires, "written_at": written}, text)
