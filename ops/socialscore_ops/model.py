"""model validate | publish: check a scoring model file, and put it where the functions read it.

The functions read the model from the SSM String parameter the stack was deployed with
(`ScoringModelParameter`, output `ScoringModelParameterName`), through
`socialscore.aws.config.scoring_model`, which keeps it 5 minutes: a published model is in use
everywhere at most that long after it was written.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from socialscore.aws import clients
from socialscore.aws.config import parameter_path
from socialscore.domain.scoring_model import InvalidScoringModel, ScoringModel, bundled, parse
from socialscore_ops.commands import Result, command
from socialscore_ops.stack import OpsError, Stack

CACHE = timedelta(seconds=300)  # aws.config.scoring_model's max_age
STANDARD_BYTES = 4096  # SSM's standard tier holds 4 KB
ADVANCED_BYTES = 8192  # the advanced tier 8 KB, at a charge (0.05 USD a parameter a month)


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    group = verbs.add_parser("model", help="check or publish a scoring model")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = command(
        actions,
        shared,
        "validate",
        validate,
        "check a scoring model file: its version and half-life, or every field at fault",
        needs_stack=False,
    )
    check.add_argument("file", type=Path, metavar="FILE.json")
    put = command(
        actions,
        shared,
        "publish",
        publish,
        "check a scoring model file and write it to the stack's SSM parameter; the functions "
        "use it within 5 minutes. A new half-life needs `socialscore rebuild` after that.",
    )
    put.add_argument("file", type=Path, metavar="FILE.json")


def load(path: Path) -> tuple[str, ScoringModel]:
    """The file's text and the model it holds; OpsError when it is unreadable or invalid."""
    try:
        text = path.read_bytes().decode()
    except OSError as err:
        raise OpsError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise OpsError(f"{path} is not UTF-8 text") from None
    try:
        return text, parse(text)
    except InvalidScoringModel as err:
        raise OpsError(f"{path}: {' '.join(str(err).split())}") from None


def published(name: str) -> tuple[ScoringModel | None, datetime | None]:
    """The model in the parameter and when it was written; (None, None) when nothing is.
    Read now, not through the functions' 5-minute cache."""
    try:
        found = clients.client("ssm").get_parameter(Name=parameter_path(name))["Parameter"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None, None
        raise
    written: datetime = found["LastModifiedDate"]
    try:
        return parse(found["Value"]), written.astimezone(UTC)
    except InvalidScoringModel as err:
        reason = " ".join(str(err).split())
        raise OpsError(f"the model in {parameter_path(name)} is invalid: {reason}") from None


def validate(stack: Stack | None, args: argparse.Namespace) -> Result:
    text, model = load(args.file)
    size = len(text.encode())
    data = {
        "file": str(args.file),
        "version": model.version,
        "half_life_days": model.half_life_days,
        "bytes": size,
    }
    note = "" if size <= STANDARD_BYTES else f" ({size:,} bytes: over SSM's standard 4 KB)"
    return Result(
        data,
        f"{args.file}: valid, version {model.version}, "
        f"half-life {model.half_life_days:g} days{note}",
    )


def publish(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    text, model = load(args.file)
    name = stack.scoring_model_parameter
    if name is None:
        raise OpsError(
            f"{stack.name} uses the model bundled in the layer: deploy it once with "
            "ScoringModelParameter=NAME (e.g. socialscore/scoring-model), then publish"
        )
    size = len(text.encode())
    if size > ADVANCED_BYTES:
        raise OpsError(
            f"{args.file} is {size:,} bytes; an SSM parameter holds at most 8 KB (8,192): "
            "remove whitespace or intent keywords"
        )
    before = _current(name)
    # Intelligent-Tiering: standard (free) when it fits in 4 KB, advanced only when it must be.
    clients.client("ssm").put_parameter(
        Name=parameter_path(name),
        Description="socialscore scoring model (socialscore model publish)",
        Value=text,
        Type="String",
        Tier="Intelligent-Tiering",
        Overwrite=True,
    )
    return _published(parameter_path(name), size, before, model, datetime.now(UTC) + CACHE)


def _current(name: str) -> tuple[ScoringModel | None, ScoringModel]:
    """The model published now (None: nothing yet), and what the functions score with now."""
    try:
        found, _ = published(name)
    except OpsError:  # an invalid model: the functions fail on it; anything replaces it
        return None, bundled()
    return found, found or bundled()


def _published(
    path: str,
    size: int,
    was: tuple[ScoringModel | None, ScoringModel],
    model: ScoringModel,
    by: datetime,
) -> Result:
    before, live = was
    tier = "Standard" if size <= STANDARD_BYTES else "Advanced"
    rebuild = live.half_life_days != model.half_life_days
    data: dict[str, Any] = {
        "parameter": path,
        "bytes": size,
        "tier": tier,
        "old_version": before.version if before else None,
        "new_version": model.version,
        "old_half_life_days": live.half_life_days,
        "new_half_life_days": model.half_life_days,
        "rebuild": rebuild,
        "in_use_by": by.isoformat(),
    }
    was_text = f"was {before.version}" if before else f"nothing before: bundled {live.version}"
    lines = [
        f"published {model.version} to {path} ({was_text}; {size:,} bytes, {tier.lower()} tier)",
        f"the functions keep the model they read 5 minutes: all use it by {by:%H:%M:%S} UTC",
    ]
    if before is not None and before.version == model.version:
        lines.append("note: same version as before: touches will not tell the two apart")
    if rebuild:
        lines.append(
            f"half-life {live.half_life_days:g} -> {model.half_life_days:g} days: stored units "
            f"no longer match it; after {by:%H:%M:%S} UTC run `socialscore rebuild`"
        )
    else:
        lines.append(f"half-life unchanged ({model.half_life_days:g} days): nothing to rebuild")
    return Result(data, "\n".join(lines))
