"""identities review, approve, reject: the doubtful matches the CRM's social fields made, waiting
for a person (pipeline.crm_identities), listed and decided.

A decision is recorded with its time; an approved match is linked with the basis `reviewed` (or,
for `no_longer_resolves`, its link taken off), and crm_sync scores again the contacts it touched.
Ids only: no username is kept, so none is shown.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from socialscore.domain.identity_plan import Decision, Doubt, ReviewEntry
from socialscore_ops.commands import Result, command
from socialscore_ops.output import table
from socialscore_ops.stack import OpsError, Stack

if TYPE_CHECKING:
    from socialscore.store.identity_review import IdentityReview

# What each doubt means, for the person deciding.
MEANING = {
    "claimed_by_several": "two contacts' fields name this account: approve links it here",
    "would_move": "linked to another contact: approve moves it here",
    "no_longer_resolves": "the field's username finds no account now: approve unlinks it",
}
HEADERS = ["review", "doubt", "linked to now", "queued", "status"]


def add(
    nouns: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    listing = command(nouns, shared, "review", review, "the doubtful matches waiting for a person")
    listing.add_argument("--all", action="store_true", help="decided ones too")
    for verb, run in (("approve", approve), ("reject", reject)):
        what = f"{verb} a waiting match, by its review key (identity#contact)"
        one = command(nouns, shared, verb, run, what)
        one.add_argument("key", metavar="REVIEW", help="as `identities review` lists it")


def _queue(stack: Stack) -> IdentityReview:
    from socialscore.store.identity_review import IdentityReview

    return IdentityReview(stack.table("SyncStateTable"))


def review(stack: Stack | None, args: argparse.Namespace) -> Result:
    assert stack is not None
    entries = sorted(_queue(stack).entries().items())
    shown = [(k, e) for k, e in entries if args.all or e.status is Decision.PENDING]
    rows = [
        [k, e.review.doubt.value, e.review.linked_to, e.queued_at[:16], _status(e)]
        for k, e in shown
    ]
    data = [_plain(k, e) for k, e in shown]
    notes = () if not shown else tuple(f"{d}: {m}" for d, m in MEANING.items())
    return Result(data, table(HEADERS, rows, empty="nothing waits for review"), notes)


def approve(stack: Stack | None, args: argparse.Namespace) -> Result:
    return _decide(stack, args.key, approve=True)


def reject(stack: Stack | None, args: argparse.Namespace) -> Result:
    return _decide(stack, args.key, approve=False)


def _decide(stack: Stack | None, key: str, approve: bool) -> Result:
    assert stack is not None
    from socialscore.pipeline.crm_identities import ErasurePending, NotPending, decide
    from socialscore.store.sync_state import SyncState
    from socialscore.wiring.links import linker

    state = SyncState(stack.table("SyncStateTable"))
    pending = state.pending()  # never linked: crm_sync drops their reviews when it takes them
    erasing = pending.contacts | pending.profiles
    try:
        entry = decide(
            key,
            approve,
            _queue(stack),
            # the contacts' ranking follows the decision's link (store.contact_sync)
            linker(stack.table("IdentitiesTable"), stack.table("ScoresTable")),
            state,
            datetime.now(UTC),
            erasing,
        )
    except NotPending:
        raise OpsError(
            f"no review waits under {key} (see `socialscore identities review`)"
        ) from None
    except ErasurePending:
        raise OpsError(
            f"{key} names a contact or account being erased: never linked again "
            "(crm_sync's next run drops the review)"
        ) from None
    r = entry.review
    done = f"{key}: {entry.status.value}"
    if approve:
        unlinked = r.doubt is Doubt.NO_LONGER_RESOLVES
        change = "unlinked from" if unlinked else "linked to"
        done += f" ({r.identity} {change} {r.contact_id}, basis reviewed)"
    return Result(_plain(key, entry), done)


def _status(e: ReviewEntry) -> str:
    return e.status.value if e.decided_at is None else f"{e.status.value} {e.decided_at[:16]}"


def _plain(key: str, e: ReviewEntry) -> dict[str, object]:
    r = e.review
    return {
        "review": key,
        "identity": r.identity,
        "contact_id": r.contact_id,
        "doubt": r.doubt.value,
        "linked_to": r.linked_to,
        "status": e.status.value,
        "queued_at": e.queued_at,
        "decided_at": e.decided_at,
    }
