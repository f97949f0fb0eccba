"""Hot leads, in memory: a profile whose organic score is at the model's threshold or over is
announced once, to its owner, and flagged only once the bus took the event (a refusal announces
it again on the retry); paid scores never make a hot lead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, ConsentBasis, Identify, Network
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.hot_leads import DETAIL_TYPE, announce
from socialscore.pipeline.routing import Router
from socialscore_local.memory.bus import MemoryBus
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.crm_reads import MemoryLedger
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.scores import MemoryScoreStore
from tests.unit.test_journeys import touch

MODEL = bundled()  # a hot lead at 25 organic points
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def world(
    scores: dict[tuple[str, Category], float],
) -> tuple[MemoryScoreStore, MemoryBus, Router]:
    store, bus, links = MemoryScoreStore(), MemoryBus(), MemoryIdentityLinks()
    for (profile, category), score in scores.items():
        store.add(profile, category, units(score, NOW, MODEL.half_life_seconds))
    links.link(
        [
            Identify(
                event_id="e1",
                source="smms",
                network=Network.X,
                network_user_id="1",
                contact_id="003A",
                consent_basis=ConsentBasis.OPT_IN,
                occurred_at=NOW,
                owner_id="005X",
            )
        ]
    )
    ledger = MemoryLedger(Requests(Clock()), lambda profile: [])
    router = Router(links, store, ledger, "social-team")
    return store, bus, router


def test_a_profile_at_the_threshold_is_announced_to_its_owner_once() -> None:
    store, bus, router = world(
        {
            ("x#1", Category.ORGANIC): 25.0,
            ("x#2", Category.ORGANIC): 24.9,
            ("x#3", Category.PAID): 90.0,
        }
    )
    touches = [touch(1, profile="x#1"), touch(2, profile="x#2")]
    touches.append(touch(3, profile="x#3", category=Category.PAID))
    assert announce(touches, {"x#1": "003A"}, store, bus, router, MODEL, NOW) == [("x#1", 25.0)]
    [(kind, event)] = bus.events
    assert kind == DETAIL_TYPE
    assert (event["id"], event["contact_id"], event["owner"]) == (
        "hot#x#1",
        "003A",
        {"type": "crm_owner", "id": "005X"},
    )
    assert store.profile_units(["x#1"])[("x#1", Category.ORGANIC)].hot_since == NOW.isoformat()
    assert announce(touches, {"x#1": "003A"}, store, bus, router, MODEL, NOW) == []
    assert len(bus.events) == 1


def test_a_refused_announcement_flags_nothing_and_the_retry_announces() -> None:
    store, bus, router = world({("x#1", Category.ORGANIC): 40.0})
    bus.refuse = True
    with pytest.raises(RuntimeError):
        announce([touch(1, profile="x#1")], {}, store, bus, router, MODEL, NOW)
    assert store.profile_units(["x#1"])[("x#1", Category.ORGANIC)].hot_since is None
    bus.refuse = False
    assert announce([touch(1, profile="x#1")], {}, store, bus, router, MODEL, NOW) == [
        ("x#1", 40.0)
    ]
    assert [e["id"] for _, e in bus.events] == ["hot#x#1"]
