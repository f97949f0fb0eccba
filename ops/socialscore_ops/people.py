"""profile, contacts: people as the stack knows them. Each reads only what it shows: a profile
its own items, a page of contacts that page's links and scores (never a whole table)."""

from __future__ import annotations

import argparse
import base64
import binascii
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from socialscore.domain.standing import standing
from socialscore.wiring.reads import Stores
from socialscore_ops.commands import Result, as_of_option, command
from socialscore_ops.output import table
from socialscore_ops.stack import OpsError, Stack
from socialscore_ops.views import ProfileView, live_model, profile

MOST_PROFILES = 100  # ids in one `profile` call: each is a few reads
PAGE = 50  # contacts a page by default
MOST_PAGE = 1_000


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    who = command(verbs, shared, "profile", show_profiles)
    who.add_argument(
        "ids",
        nargs="+",
        metavar="ID",
        help=f"a CRM contact id, or network#user id (x#12345); up to {MOST_PROFILES} at once",
    )
    as_of_option(who)
    listed = command(verbs, shared, "contacts", contacts)
    listed.add_argument(
        "--limit",
        type=int,
        default=PAGE,
        metavar="N",
        help=f"about this many contacts a page (1 to {MOST_PAGE:,}, default {PAGE})",
    )
    listed.add_argument("--after", metavar="CURSOR", help="the page after this one (printed)")
    as_of_option(listed)


def _when(args: argparse.Namespace) -> datetime:
    return args.as_of or datetime.now(UTC)


# --- profile ----------------------------------------------------------------------------------
def show_profiles(stack: Stack | None, args: argparse.Namespace) -> Result:
    """Each profile asked for, in order; one unknown is named on stderr and the others shown."""
    if stack is None:
        raise OpsError("no stack")
    ids: list[str] = list(dict.fromkeys(args.ids))
    if len(ids) > MOST_PROFILES:
        raise OpsError(f"profile takes up to {MOST_PROFILES} ids at once, not {len(ids):,}")
    at = _when(args)
    views: list[ProfileView] = []
    missing: list[str] = []
    for who in ids:
        try:
            views.append(profile(stack, who, at))
        except OpsError as unknown:
            missing.append(str(unknown))
    if not views:
        raise OpsError("; ".join(missing))
    data: Any = asdict(views[0]) if len(ids) == 1 else [asdict(v) for v in views]
    text = "\n\n".join(_profile_text(v) for v in views)
    return Result(data, text, notes=tuple(missing), status=2 if missing else 0)


def _profile_text(view: ProfileView) -> str:
    lines = [
        f"profile {view.profile}" + (f" (contact {view.contact_id})" if view.contact_id else ""),
        f"organic {view.organic:,.2f}   paid {view.paid:,.2f}   "
        f"touches {view.touches}   hot lead since {view.hot_since or '-'}   "
        f"buckets {', '.join(view.buckets) or '-'}",
        f"a hot lead or complaint goes to: {view.owner['type']} {view.owner['id']}",
        "",
        table(
            ["identity", "consent basis", "linked at", "CRM owner"],
            [
                (i.identity, i.consent_basis or "not linked", i.linked_at, i.owner_id)
                for i in view.identities
            ],
        ),
        "",
        f"last {len(view.last_touches)} touches",
        table(
            ["when", "network", "kind", "category", "post", "seller", "points", "intent"],
            [
                (
                    t.occurred_at.isoformat(),
                    t.network,
                    t.kind,
                    t.category,
                    t.post,
                    t.seller_id,
                    t.points,
                    t.intent_hits,
                )
                for t in view.last_touches
            ],
        ),
    ]
    return "\n".join(lines)


# --- contacts ---------------------------------------------------------------------------------
def contacts(stack: Stack | None, args: argparse.Namespace) -> Result:
    """A page of linked contacts in the identities index's order (not by score: ranking would
    read every contact), with their identities and scores now."""
    if stack is None:
        raise OpsError("no stack")
    if not 1 <= args.limit <= MOST_PAGE:
        raise OpsError(f"--limit takes 1 to {MOST_PAGE:,}")
    at = _when(args)
    stores = Stores(stack.table)
    page, after = stores.identities.contacts_page(_cursor(args.after), args.limit)
    everyone = sorted({i for ids in page.values() for i in ids})
    stored = stores.scores.profile_units(everyone) if everyone else {}
    model = live_model(stack)
    rows = []
    for contact, ids in page.items():
        now = standing(stored, ids, at, model)
        rows.append((contact, sorted(ids), now.organic, now.paid, now.hot_since))
    cursor = _token(after) if after else None
    text = table(
        ["contact", "identities", "organic", "paid", "hot lead since"],
        [(c, ", ".join(ids), organic, paid, hot) for c, ids, organic, paid, hot in rows],
        empty="(no linked contact)",
    )
    data = [
        {"contact_id": c, "identities": ids, "organic": o, "paid": p, "hot_since": h}
        for c, ids, o, p, h in rows
    ]
    more = f"next page: {_again(args)} --after {cursor}" if cursor else "(last page)"
    return Result({"contacts": data, "next": cursor}, f"{text}\n{more}")


def _again(args: argparse.Namespace) -> str:
    """This command as it was given, for its next page: where it ran and the page's size."""
    where = [f"--{o} {v}" for o in ("local", "stack", "region") if (v := getattr(args, o, None))]
    return " ".join(["socialscore", *where, "contacts", f"--limit {args.limit}"])


def _token(cursor: str) -> str:
    """The store's cursor (JSON) as one shell-safe word."""
    return base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=")


def _cursor(token: str | None) -> str:
    if not token:
        return ""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        found = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        found = None
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        raise OpsError("--after takes the cursor a page printed (next page: ...)")
    return text
