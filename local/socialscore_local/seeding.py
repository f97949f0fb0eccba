"""What serve starts with: the posts its fixture provider answers from and the opportunities its
file CRM holds (files in its work directory, kept from one start to the next), and, once it
answers, the sellers, identities and webhooks a user asked for.

- `--demo`: the demo's posts, opportunities, sellers and webhook stream, its dates moved forward
  together so that its last act is an hour old: Engage now (acts of the last 48 hours; the
  stream's newest act it shows is 32 hours older than its last) and the report's last 30 days
  show it at any hour of the day (a shift by whole days left that act 1-2 days old, out of
  Engage's window for 8 hours of each day).
- `--posts FILE`, `--opportunities FILE`: the user's own, checked before anything starts.
- `--sellers FILE`, `--identities FILE`: imported by the `socialscore` command itself, through
  serve, as a user would: journaled like every import.
- nothing: what the work directory holds, else no posts and no opportunities.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from socialscore_local.paths import DEMO_DIR

POSTS = "posts.json"
OPPORTUNITIES = Path("crm") / "opportunities.json"
# The demo's last act, once moved: recent enough for Engage now at any hour of the day.
LAST_ACT_AGE = timedelta(hours=1)
DEMO_SELLERS = "demo-sellers.csv"  # the demo's sellers.json as `sellers import` reads it
SELLER_COLUMNS = ("network", "network_user_id", "seller_id", "team")


class BadSeed(Exception):
    """A file serve was given that it cannot use: one line, serve does not start."""


@dataclass(frozen=True)
class Seeds:
    demo: bool = False
    posts: Path | None = None
    opportunities: Path | None = None
    sellers: Path | None = None
    identities: Path | None = None


def place_files(workdir: Path, seeds: Seeds, now: datetime) -> list[dict[str, Any]]:
    """Put the posts and opportunities in the work directory; returns the webhook deliveries
    to replay (the demo's, moved to now), if any."""
    posts, opportunities = workdir / POSTS, workdir / OPPORTUNITIES
    opportunities.parent.mkdir(parents=True, exist_ok=True)
    if seeds.demo:
        demo = moved_demo(now)
        _write_json(posts, demo.posts)
        _write_json(opportunities, demo.opportunities)
        demo_sellers_csv(workdir / DEMO_SELLERS)
        return demo.deliveries
    if seeds.posts is not None:
        _check_posts(seeds.posts)
        shutil.copyfile(seeds.posts, posts)
    elif not posts.exists():
        _write_json(posts, [])
    if seeds.opportunities is not None:
        _check_opportunities(seeds.opportunities)
        shutil.copyfile(seeds.opportunities, opportunities)
    return []


@dataclass(frozen=True)
class MovedDemo:
    """The demo's posts, opportunities and webhook deliveries, every date in them moved forward
    by `shift` (whole seconds) so that the stream's last act is an hour old."""

    shift: timedelta
    posts: list[dict[str, Any]]
    opportunities: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


def moved_demo(now: datetime, demo_dir: Path = DEMO_DIR) -> MovedDemo:
    """The demo (events/demo, or a directory laid out like it) moved so that its last act is an
    hour old at `now`: serve --demo and the demo both start from it."""
    deliveries = _read(demo_dir / "webhooks.json")
    shift = _shift(deliveries, now)
    for delivery in deliveries:
        for event in delivery["body"].get("events", []):
            event.update(_moved(event, shift, ("occurred_at",)))
    return MovedDemo(
        shift,
        [_moved(p, shift, ("created_at",)) for p in _read(demo_dir / POSTS)],
        [
            _moved(o, shift, ("created_at", "modified_at"))
            for o in _read(demo_dir / "opportunities.json")
        ],
        list(deliveries),
    )


def write_moved_demo(demo: MovedDemo, directory: Path, demo_dir: Path = DEMO_DIR) -> Path:
    """`demo` written as a demo directory (posts, opportunities, webhooks, and demo_dir's
    sellers, which hold no date), for the demo to run from."""
    directory.mkdir(parents=True, exist_ok=True)
    _write_json(directory / POSTS, demo.posts)
    _write_json(directory / "opportunities.json", demo.opportunities)
    _write_json(directory / "webhooks.json", demo.deliveries)
    shutil.copyfile(demo_dir / "sellers.json", directory / "sellers.json")
    return directory


def demo_sellers_csv(path: Path) -> Path:
    """The demo's sellers (events/demo/sellers.json) as the CSV `sellers import` reads."""
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, SELLER_COLUMNS)
        writer.writeheader()
        writer.writerows(
            {c: s[c] for c in SELLER_COLUMNS} for s in _read(DEMO_DIR / "sellers.json")
        )
    return path


def imports(workdir: Path, seeds: Seeds) -> list[tuple[str, Path]]:
    """The `socialscore` imports to run once serve answers: (noun, file)."""
    found = [("sellers", workdir / DEMO_SELLERS)] if seeds.demo else []
    if seeds.sellers is not None:
        found.append(("sellers", seeds.sellers))
    if seeds.identities is not None:
        found.append(("identities", seeds.identities))
    return found


def run_import(url: str, token: str, noun: str, path: Path) -> None:
    """`socialscore --local URL <noun> import FILE`, as a user runs it; its lines go to serve's
    output. A refusal stops serve (BadSeed): the user asked for that file."""
    from socialscore_ops.stack import TOKEN_VARIABLE

    command = [sys.executable, "-m", "socialscore_ops", "--local", url, noun, "import", str(path)]
    done = subprocess.run(  # noqa: S603 - our own command, with the user's file as its argument
        command, env=os.environ | {TOKEN_VARIABLE: token}, check=False, timeout=600
    )
    if done.returncode != 0:
        raise BadSeed(f"--{noun} {path}: not imported (the reason is above)")


def _shift(deliveries: list[dict[str, Any]], now: datetime) -> timedelta:
    """What to add so that the stream's last act is an hour old (whole seconds), never ahead."""
    last = max(_when(e["occurred_at"]) for d in deliveries for e in d["body"].get("events", []))
    behind = now - LAST_ACT_AGE - last
    return max(timedelta(0), timedelta(seconds=int(behind.total_seconds())))


def _moved(item: dict[str, Any], shift: timedelta, fields: tuple[str, ...]) -> dict[str, Any]:
    moved = dict(item)
    for name in fields:
        if name in moved:
            at = _when(moved[name]) + shift
            moved[name] = at.isoformat().replace("+00:00", "Z")
    return moved


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _read(path: Path) -> Any:
    return json.loads(path.read_text())


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n")


def _check_posts(path: Path) -> None:
    from socialscore.providers.fixture import FixtureProvider

    try:
        FixtureProvider(path).networks  # noqa: B018 - reads and checks every post
    except (OSError, ValueError, TypeError, AttributeError) as err:
        raise BadSeed(f"--posts {path}: {_reason(err)}") from None


def _check_opportunities(path: Path) -> None:
    from socialscore.crm.file import FileCrm

    try:
        if not path.is_file():
            raise FileNotFoundError(f"no file {path}")
        FileCrm(path, path.parent / "unused").changed_opportunities(None)
    except (OSError, ValueError) as err:
        raise BadSeed(f"--opportunities {path}: {_reason(err)}") from None


def _reason(err: Exception) -> str:
    """Why a file is refused, without the values it holds."""
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        count = err.error_count()
        return f"{count} error{'' if count == 1 else 's'}, the first at {where}: {first['msg']}"
    if isinstance(err, json.JSONDecodeError):
        return f"not JSON (line {err.lineno}, column {err.colno})"
    if isinstance(err, OSError):
        return err.strerror or str(err)
    return "not a JSON list of posts"
