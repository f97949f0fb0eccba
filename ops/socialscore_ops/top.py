"""top: the profiles with the best organic score now, or with --hot the hot leads with their
owner and buckets; a contact over all its identities, as `profile` shows it. Neither reads
every profile: the scores table's `by_units` index ranks the contacts and the identities
(report.top_contacts; until `socialscore rebuild` has built the contacts' ranking, the
identities alone, a contact's others read with it: report.top_bounded, said on stderr) and its `hot`
key names the hot leads (report.leads)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from socialscore.report import top_contacts
from socialscore.report.profiles import owner_text
from socialscore.report.snapshot import Snapshot
from socialscore_ops.commands import Result, as_of_option, command
from socialscore_ops.output import table
from socialscore_ops.stack import OpsError, Stack

MOST = 1000
NOT_READY = (
    "top read the identities' ranking as before the contacts' ranking: run `socialscore rebuild` "
    "once to read the contacts' ranking"
)


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    parser = command(verbs, shared, "top", top)
    parser.add_argument(
        "--limit", type=int, default=20, help=f"how many profiles, 1 to {MOST} (default 20)"
    )
    parser.add_argument(
        "--hot", action="store_true", help="the hot leads, best organic score first, and owners"
    )
    as_of_option(parser)


def top(stack: Stack | None, args: argparse.Namespace) -> Result:
    if stack is None:
        raise OpsError("no stack")
    if not 1 <= args.limit <= MOST:
        raise OpsError(f"--limit takes 1 to {MOST:,}")
    snap = Snapshot(stack, args.as_of or datetime.now(UTC))
    labels = {b.name: b.label for b in snap.model.buckets}
    notes: tuple[str, ...] = ()
    if args.hot:
        every = snap.hot_leads(args.limit)
        rows = every[: args.limit]
        title = f"hot leads: the best {len(rows)} of {len(every)} by organic score now"
    else:
        found = top_contacts.best(
            snap.stores.scores, snap.groups, snap.model, snap.as_of, args.limit
        )
        rows = found.rows
        title = f"top {len(rows)} profiles by organic score now"
        notes = () if found.from_contacts else (NOT_READY,)
    headers = ["profile", "kind", "organic", "paid", "hot lead since"]
    headers += ["owner", "buckets"] if args.hot else []
    lines = [
        (
            r.who,
            "contact" if r.contact else "anonymous",
            r.organic,
            r.paid,
            r.hot_since or "-",
            *(
                (owner_text(r.owner), ", ".join(labels.get(b, b) for b in r.buckets) or "-")
                if args.hot
                else ()
            ),
        )
        for r in rows
    ]
    data = [
        {
            "profile": r.who,
            "contact": r.contact,
            "organic": r.organic,
            "paid": r.paid,
            "hot_since": r.hot_since,
        }
        | (
            {"owner": r.owner.detail() if r.owner else None, "buckets": list(r.buckets)}
            if args.hot
            else {}
        )
        for r in rows
    ]
    text = f"{title}\n{table(headers, lines, empty='(none)')}"
    return Result({"profiles": data}, text, notes)
