"""An identify event (rehydrate -> resolve) and an erase event (score) travel on different
queues, so the score stage may take the erasure before resolve takes the link it follows (busy
Lambdas; a backfill file holding both sends them in one pack). Either way the erased contact
ends with no linked identity: the erasure bars the contact with its time, and resolve refuses
(and counts) a link dated at or before it. A link dated after the erasure is consent given
again, and is recorded. The whole pipeline in memory (chain_world), and resolve's own stage."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialscore.aws import batch
from socialscore.domain.interaction import Erase
from socialscore.domain.messages import SCORE_MESSAGE, ResolveMessage
from socialscore.pipeline.resolution import take
from socialscore_local import webhooks
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.queue import MemoryQueue
from socialscore_local.memory.sellers import MemorySellers
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.support import POST_A, POSTS, identify, permalink
from tests.unit.chain_world import Chain

USER = "7000000001"
ERASED_AT = "2026-11-21T00:00:00Z"


def events(linked_at: str) -> list[dict[str, Any]]:
    """C-1's identify at `linked_at`, a like of its X user, and C-1's erasure."""
    return [
        {
            "type": "identify",
            "id": "idf-1",
            "network": "x",
            "network_user_id": USER,
            "contact_id": "C-1",
            "consent_basis": "opt_in",
            "occurred_at": linked_at,
        },
        {
            "type": "interaction",
            "id": "evt-1",
            "network": "x",
            "kind": "like",
            "actor_id": USER,
            "target_permalink": permalink(POST_A),
            "occurred_at": "2026-11-20T10:00:00Z",
        },
        {"type": "erase", "id": "er-1", "contact_id": "C-1", "occurred_at": ERASED_AT},
    ]


def chain(tmp_path: Path, linked_at: str, erase_first: bool) -> Chain:
    posts = tmp_path / "posts.json"
    posts.write_text(json.dumps(POSTS))
    c = Chain(posts, {"smms": [webhooks.new_secret()]})
    assert c.smms(events(linked_at)).status == 202
    if erase_first:  # the score stage takes its queue (the erase) before rehydrate runs
        records = c.inboxes["score"].take()
        assert c._run("score", {"Records": records}, None) == {"batchItemFailures": []}
    c.drain()
    return c


@pytest.mark.parametrize("erase_first", [True, False], ids=["erase-first", "identify-first"])
def test_an_erased_contact_keeps_no_identity_whichever_queue_is_taken_first(
    tmp_path: Path, erase_first: bool
) -> None:
    c = chain(tmp_path, "2026-11-20T09:00:00Z", erase_first)

    assert c.score.links.items == {}
    assert c.score.links.contacts_of([f"x#{USER}"]) == {}  # C-1 is credited with nothing
    assert c.score.sync.erasures == {"C-1"}  # crm_sync clears the contact's CRM fields
    # Linked first, the like went with the erasure; erased first, resolve erased the X user
    # its refused link named, as of the erasure, with the like sent on in the same batch.
    assert c.score.ledger.touches_of(f"x#{USER}") == []
    assert c.touches(f"x#{USER}") == 0


def test_a_link_dated_after_the_erasure_is_recorded(tmp_path: Path) -> None:
    c = chain(tmp_path, "2026-11-22T09:00:00Z", erase_first=True)

    assert c.score.links.contacts_of([f"x#{USER}"]) == {f"x#{USER}": "C-1"}


def resolve(links: MemoryIdentityLinks, *messages: ResolveMessage) -> tuple[batch.Done, Any]:
    """The batch's answer, and the erasures it sent on: message id -> (identity, as of)."""
    received = [batch.Received(f"m-{n}", m, None, 1, 0) for n, m in enumerate(messages)]
    now = datetime(2026, 11, 23, tzinfo=UTC)
    sync, queue = MemorySyncState(Requests(Clock())), MemoryQueue(defers=False)
    done = take(received, links, MemorySellers(), queue, sync, now)
    sent = {m.id: SCORE_MESSAGE.validate_json(m.body) for m in queue.sent}
    return done, {k: (m.identity, m.occurred_at) for k, m in sent.items() if isinstance(m, Erase)}


def test_resolve_refuses_and_counts_a_link_to_an_erased_contact_or_identity() -> None:
    links = MemoryIdentityLinks()
    erased = datetime.fromisoformat(ERASED_AT)
    links.bar(["C-1", "x#u9"], erased)

    done, erasures = resolve(
        links,
        identify(1, user="u1", contact="C-1", at="2026-11-20T09:00:00Z"),  # before: refused
        identify(2, user="u9", contact="C-2", at=erased),  # its identity erased then: refused
        identify(3, user="u3", contact="C-1", at="2026-11-22T09:00:00Z"),  # after: consent anew
        identify(4, user="u4", contact="C-4", at="2026-11-20T09:00:00Z"),  # nobody erased
        identify(5, user="u3", contact="C-1", at="2026-11-19T09:00:00Z"),  # before: refused
    )

    assert sorted(links.items) == ["x#u3", "x#u4"]
    assert (done.counts["IdentitiesLinked"], done.counts["IdentityLinksRefused"]) == (2, 3)
    # The refused links' X users are erased as of the erasure, but u3, linked anew since by
    # consent given after it, keeps its link and touches.
    assert erasures == {"m-0": ("x#u1", erased), "m-1": ("x#u9", erased)}
