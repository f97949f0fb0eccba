"""resolve's rules through its handler's `handle`, in memory: the identity links, the seller
registry and the score queue are fakes (socialscore_local.memory), the event is an SQS event
as Lambda hands it over. An identify links the actor to a contact (the newest link wins,
whatever the order or the offset its time is written in); an act carries its actor's contact,
or none, and the seller whose post or profile earned it; a message that is none fails alone.

On moto (tests/integration/test_resolve_handler.py): the link's item and index in the table,
and an identify then an act through the real queues.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from socialscore.domain.interaction import (
    Category,
    Interaction,
    Kind,
    Network,
)
from socialscore.domain.messages import Rehydrated, Resolved, Seller
from socialscore.domain.post import PostFacts
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.queue import MemoryQueue
from socialscore_local.memory.sellers import MemorySellers
from tests.integration.support import identify
from tests.unit.chain_world import clear_metrics, lambda_module
from tests.unit.test_resolve_stage import Pending

SELLER_AUTHOR, OTHER_AUTHOR, SELLER_FOLLOWED = "1001", "2002", "1003"
POST_A, POST_B = "2100000000000000001", "2100000000000000002"  # by s-ana, by a non-seller
ANA = Seller(seller_id="s-ana", team="enterprise")
BEN = Seller(seller_id="s-ben", team="smb")
FACTS = {
    POST_A: PostFacts(network=Network.X, post_id=POST_A, author_id=SELLER_AUTHOR),
    POST_B: PostFacts(network=Network.X, post_id=POST_B, author_id=OTHER_AUTHOR),
}


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    """Powertools' metric set is shared: the handler's counts are left for no other test."""
    yield
    clear_metrics()


class World:
    """What resolve runs on: links, the registry (s-ana writes POST_A, s-ben is followed), the
    score queue, what crm_sync is left."""

    def __init__(self) -> None:
        self.links = MemoryIdentityLinks()
        self.sellers = MemorySellers({f"x#{SELLER_AUTHOR}": ANA, f"x#{SELLER_FOLLOWED}": BEN})
        self.score = MemoryQueue(defers=False)
        self.crm = Pending()

    def handle(self, *messages: BaseModel | str) -> dict[str, Any]:
        records = [
            {
                "messageId": f"m-{n}",
                "body": m if isinstance(m, str) else m.model_dump_json(),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
            }
            for n, m in enumerate(messages)
        ]
        answer: dict[str, Any] = lambda_module("resolve").handle(
            {"Records": records}, self.links, self.sellers, self.score, self.crm
        )
        return answer

    def resolved(self) -> dict[str, Resolved]:
        """What went on to the score queue, by interaction id (taken)."""
        out = {}
        for sent in self.score.sent:
            message = Resolved.model_validate_json(sent.body)
            out[message.interaction.interaction_id] = message
        self.score.sent.clear()
        return out


def rehydrated(
    n: int, *, actor: str = "u1", post: str | None = POST_B, followed: str | None = None
) -> Rehydrated:
    """What rehydrate puts on the resolve queue: a like of `post`, or a follow of `followed`."""
    act = Interaction(
        interaction_id=f"iid-{n}",
        source="smms",
        network=Network.X,
        kind=Kind.FOLLOW if followed else Kind.LIKE,
        category=Category.ORGANIC,
        actor_id=actor,
        target_post=f"x#{post}" if post else None,
        target_user_id=followed,
        occurred_at="2026-11-01T12:00:00Z",
    )
    return Rehydrated(interaction=act, target=FACTS[post] if post else None)


def test_identify_then_an_act_carries_the_contact_id_and_an_identify_is_not_scored() -> None:
    world = World()
    world.handle(identify(1, contact="C-1", at="2026-11-01T09:00:00Z"))
    assert world.resolved() == {}  # an identify is recorded, not scored

    world.handle(rehydrated(1, actor="u1"))

    (message,) = world.resolved().values()
    assert message.contact_id == "C-1"
    assert message.interaction.actor_id == "u1"
    assert message.seller is None  # POST_B's author is no seller


def test_without_identify_the_profile_is_anonymous() -> None:
    world = World()
    world.handle(identify(1, user="u1", contact="C-1", at="2026-11-01T09:00:00Z"))

    world.handle(rehydrated(1, actor="u1"), rehydrated(2, actor="u2"))

    out = world.resolved()
    assert out["iid-1"].contact_id == "C-1"
    assert out["iid-2"].contact_id is None
    assert out["iid-2"].interaction.actor_key == "x#u2"


def test_the_seller_whose_post_or_profile_earned_the_act_is_credited() -> None:
    world = World()

    answer = world.handle(
        rehydrated(1, post=POST_A),  # by s-ana
        rehydrated(2, post=POST_B),  # by a non-seller
        rehydrated(3, post=None, followed=SELLER_FOLLOWED),  # s-ben followed
    )

    assert answer == {"batchItemFailures": []}
    out = world.resolved()
    assert out["iid-1"].seller == ANA
    assert (out["iid-1"].seller.seller_id, out["iid-1"].seller.team) == ("s-ana", "enterprise")
    assert out["iid-2"].seller is None
    assert out["iid-3"].seller == BEN
    assert out["iid-1"].target is not None
    assert out["iid-1"].target.post_id == POST_A  # rehydrated facts travel on


def test_an_older_identify_replayed_after_a_newer_one_does_not_overwrite_it() -> None:
    world = World()
    older = identify(1, contact="C-old", at="2026-11-01T09:00:00Z")
    newer = identify(2, contact="C-new", at="2026-11-02T09:00:00Z")
    world.handle(older)
    world.handle(newer)
    world.handle(older)  # a late retry of the first delivery

    assert world.links.contacts_of(["x#u1"]) == {"x#u1": "C-new"}
    assert world.links.items["x#u1"]["source_event"] == "smms:evt-id-2"
    world.handle(rehydrated(1, actor="u1"))
    assert world.resolved()["iid-1"].contact_id == "C-new"


def test_identify_times_in_other_offsets_compare_as_instants() -> None:
    world = World()
    # 10:30+02:00 is 08:30Z: older than 09:00Z although it sorts after it as text.
    world.handle(identify(1, contact="C-new", at="2026-11-01T09:00:00Z"))
    world.handle(identify(2, contact="C-old", at="2026-11-01T10:30:00+02:00"))

    assert world.links.contacts_of(["x#u1"]) == {"x#u1": "C-new"}


def test_a_newer_identify_relinks() -> None:
    world = World()
    world.handle(identify(1, contact="C-old", at="2026-11-01T09:00:00Z"))
    world.handle(identify(2, contact="C-new", at="2026-11-03T09:00:00Z"))

    assert world.links.contacts_of(["x#u1"]) == {"x#u1": "C-new"}


def test_a_poison_message_fails_alone() -> None:
    world = World()

    answer = world.handle(rehydrated(1), "[]")

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}  # back for the DLQ
    assert set(world.resolved()) == {"iid-1"}
