"""What resolve does with a batch (resolution.take), in memory: links recorded and their
profiles marked for crm_sync, acts resolved and sent on to the score queue with their webhook's
correlation id, a seller's own like ignored and counted, deleted posts passed on, and a message
the score queue refuses failed with the queue named.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

from socialscore.aws import batch
from socialscore.domain.interaction import Identify, Kind
from socialscore.domain.messages import ResolveMessage
from socialscore.pipeline.ports import IdentityLinks
from socialscore.pipeline.resolution import take
from socialscore_local.memory.queue import MemoryQueue, refuse_all
from socialscore_local.memory.sellers import MemorySellers
from tests.unit.test_message_compat import DELETED, IDENTIFY
from tests.unit.test_x_seller_acts import ANA, ANA_ID, PROSPECT, rehydrated

NOW = datetime(2026, 11, 2, 8, tzinfo=UTC)


class Identities:
    """Links in memory: what resolve reads and writes of the identities table."""

    def __init__(self) -> None:
        self.links: dict[str, str] = {}

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        return {i: self.links[i] for i in identities if i in self.links}

    def link(self, events: list[Identify]) -> int:
        self.links |= {e.identity: e.contact_id for e in events}
        return 0

    def barred(self, ids: list[str]) -> dict[str, datetime]:
        return {}  # nobody erased


class Pending:
    """What crm_sync is left: the profiles marked changed, and when."""

    def __init__(self) -> None:
        self.marked: list[tuple[datetime, list[str]]] = []

    def mark_changed(
        self, at: datetime, profiles: Iterable[str] = (), contacts: Iterable[str] = ()
    ) -> None:
        self.marked.append((at, list(profiles)))

    def mark_erased(self, contacts: Iterable[str], profiles: Iterable[str] = ()) -> None:
        raise AssertionError("resolve erases nobody")


def sent(queue: MemoryQueue) -> dict[str, tuple[str, str | None]]:
    """id -> (type, correlation id)"""
    return {m.id: (json.loads(m.body)["type"], m.correlation_id) for m in queue.sent}


def received(*messages: ResolveMessage) -> list[batch.Received[ResolveMessage]]:
    return [batch.Received(f"m-{n}", m, f"req-{n}", 1, 0) for n, m in enumerate(messages)]


def run(
    messages: list[batch.Received[ResolveMessage]], identities: Identities, queue: MemoryQueue
) -> tuple[batch.Done, Pending]:
    crm = Pending()
    sellers = MemorySellers({f"x#{ANA_ID}": ANA})
    links = cast(IdentityLinks, identities)  # resolve reads contacts_of and barred, writes link
    return take(messages, links, sellers, queue, crm, NOW), crm


def test_a_batch_links_resolves_ignores_a_seller_s_act_and_passes_deleted_posts_on() -> None:
    identities, queue = Identities(), MemoryQueue(defers=False)
    linked = IDENTIFY.model_copy(update={"network_user_id": PROSPECT})
    prospect = rehydrated(Kind.LIKE, PROSPECT, "30", target_author_id=ANA_ID)
    seller = rehydrated(Kind.LIKE, ANA_ID, "31", target_author_id=PROSPECT)

    done, crm = run(received(linked, prospect, seller, DELETED), identities, queue)

    assert done.failed == {}
    assert crm.marked == [(NOW, [f"x#{PROSPECT}"])]  # its contact is scored again
    assert sent(queue) == {"m-1": ("resolved", "req-1"), "m-3": ("post_deleted", "req-3")}
    assert done.counts == {
        "InteractionsResolved": 2,
        "ActsBySellersIgnored": 1,
        "IdentitiesLinked": 1,
        "IdentityLinksRefused": 0,
    }


def test_the_contact_linked_in_the_same_batch_is_the_act_s() -> None:
    identities, queue = Identities(), MemoryQueue(defers=False)
    linked = IDENTIFY.model_copy(update={"network_user_id": PROSPECT})
    prospect = rehydrated(Kind.LIKE, PROSPECT, "30", target_author_id=ANA_ID)

    run(received(prospect, linked), identities, queue)  # the link after the act, in one batch

    assert json.loads(queue.bodies["m-0"])["contact_id"] == IDENTIFY.contact_id


def test_what_the_score_queue_refuses_fails_with_the_queue_named() -> None:
    prospect = rehydrated(Kind.LIKE, PROSPECT, "30", target_author_id=ANA_ID)

    done, _ = run(received(prospect, DELETED), Identities(), MemoryQueue(refuse_all, defers=False))

    assert {mid: f.reason for mid, f in done.failed.items()} == {
        "m-0": "not sent to the score queue",
        "m-1": "not sent to the score queue",
    }


class RefusingIdentities(Identities):
    """A store that refuses every link as invalid (DynamoDB's ValidationError for its put:
    store.link_writes drops it, logged, and writes its batch-mates)."""

    def link(self, events: list[Identify]) -> int:
        return len(events)


def test_a_link_the_store_refuses_as_invalid_is_counted_refused_not_linked() -> None:
    identities, queue = RefusingIdentities(), MemoryQueue(defers=False)
    done, _ = run(received(IDENTIFY), identities, queue)
    assert done.failed == {}
    assert (done.counts["IdentitiesLinked"], done.counts["IdentityLinksRefused"]) == (0, 1)
