"""An erasure takes what the erased person had consented to up to the erasure, not a link given
since (consent given again: resolve records a link dated after the erasure). The second sweep of
an erasure by contact comes a minute after the first: a link the contact made again in that
minute, and the touches counted under it, stay; the CRM is not asked to clear the contact
again. (The first sweep takes every identity linked when it runs, as a replay of it would.)

A link dated before its contact's erasure and taken after it is refused, and the social user it
named erased as of that erasure (the link said it was the erased person's then), but not a user
another contact linked after that link and before the erasure: it was that contact's then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialscore.domain.interaction import Erase, Kind
from socialscore.domain.messages import SCORE_MESSAGE
from socialscore.pipeline.index_settle import SECOND_SWEEP_DELAY
from socialscore_local.memory.identities import MemoryIdentityLinks
from tests.integration.support import POST_A, POST_B, identify, resolved
from tests.unit.score_world import ScoreWorld
from tests.unit.test_erase_identify_order import ERASED_AT as ERASED
from tests.unit.test_erase_identify_order import resolve

ERASED_AT = datetime(2026, 11, 21, 12, 3, tzinfo=UTC)
OLD_LINK = "2026-11-20T09:00:00Z"  # before the erasure at ERASED


def test_the_second_sweep_leaves_a_link_given_again_after_the_erasure() -> None:
    w = ScoreWorld(now=ERASED_AT)
    w.links.link([identify(1, user="u1", contact="C-1", at="2026-11-21T12:00:00Z")])
    w.score([resolved(1, kind=Kind.LIKE, actor="u1", post=POST_A, contact="C-1")])
    w.score([Erase(event_id="er-1", source="smms", contact_id="C-1", occurred_at=ERASED_AT)])
    assert w.links.items == {}
    w.sync.done(["C-1"], ["x#u1"])  # crm_sync took the erasure
    [second] = w.later.sent

    # Thirty seconds later the person opts in again, with both X accounts, and likes a post.
    again = ERASED_AT + timedelta(seconds=30)
    w.links.link([identify(2, user="u2", contact="C-1", at=again)])
    w.links.link([identify(3, user="u1", contact="C-1", at=again)])
    w.score([resolved(2, kind=Kind.LIKE, actor="u2", post=POST_B, contact="C-1", at=again)])
    w.now = ERASED_AT + timedelta(seconds=SECOND_SWEEP_DELAY)
    w.score([SCORE_MESSAGE.validate_json(second.body)])

    assert w.links.contacts_of(["x#u1", "x#u2"]) == {"x#u1": "C-1", "x#u2": "C-1"}
    assert [t.interaction_id for t in w.ledger.touches_of("x#u2")] == ["iid-2"]
    assert (w.sync.erasures, w.sync.erased_profiles) == (set(), set())


@pytest.mark.parametrize(
    ("barred", "other_link", "erased"),
    [
        # u7 was C-1's, then C-2's by a later link, both before C-1's erasure: C-2's then.
        ("C-1", "2026-11-20T12:00:00Z", False),
        # u7 was C-2's, then C-1's by the refused link: C-1's at the erasure.
        ("C-1", "2026-11-20T06:00:00Z", True),
        # u7 itself erased: whoever linked it before.
        ("x#u7", "2026-11-20T12:00:00Z", True),
    ],
    ids=["other-contact-since", "other-contact-before", "user-erased"],
)
def test_a_refused_link_erases_the_user_it_named_only_if_it_was_the_erased_persons(
    barred: str, other_link: str, erased: bool
) -> None:
    links = MemoryIdentityLinks()
    at = datetime.fromisoformat(ERASED)
    links.bar([barred], at)
    links.link([identify(2, user="u7", contact="C-2", at=other_link)])

    done, erasures = resolve(links, identify(1, user="u7", contact="C-1", at=OLD_LINK))

    assert done.counts["IdentityLinksRefused"] == 1
    assert erasures == ({"m-0": ("x#u7", at)} if erased else {})
    assert links.contacts_of(["x#u7"]) == {"x#u7": "C-2"}  # resolve unlinks nothing itself
