"""Hot leads name their owner on the bus: without a CRM owner, the seller whose posts earned the
most of the profile's touches, else the queue. The score stage on its fakes (score_world), the
events as the bus fake holds them. Moved from tests/integration/test_routing.py, which keeps the
CRM owner an identify event named, from the webhook to EventBridge (each event naming its
stack, which the delivery rules match on). The tally and tie rules: test_owners.py."""

from __future__ import annotations

from tests.integration.support import ANA
from tests.integration.test_routing import BEN, hot
from tests.unit.score_world import ScoreWorld


def test_without_a_crm_owner_the_seller_of_most_touches_then_the_queue() -> None:
    w = ScoreWorld()
    # u2: two comments on Ben's posts, one on Ana's; u3 comments on nobody's post.
    w.score(hot("u2", [ANA, BEN, BEN]))
    w.score(hot("u3", [None, None, None]))

    assert {detail["profile"]: detail["owner"] for _, detail in w.bus.events} == {
        "x#u2": {"type": "seller", "id": "s-ben"},
        "x#u3": {"type": "queue", "id": "social-team"},  # the template's default OwnerQueue
    }
