"""`socialscore identities review / approve / reject` against a deployed stack (moto): the
doubtful matches listed with what each means, an approval linking with the basis reviewed and
settling the identity's other claims, a rejection leaving the link, a key nothing waits under
refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime

from socialscore.domain.identity_plan import Doubt, Review
from socialscore.domain.interaction import ConsentBasis, Identify, Network
from socialscore.store.identities import Identities
from socialscore.store.identity_review import IdentityReview
from socialscore.store.sync_state import SyncState
from tests.ops.conftest import DeployedStack

T0 = datetime(2026, 12, 6, 9, tzinfo=UTC)


def seeded(stack: DeployedStack) -> Identities:
    queue = IdentityReview(stack.rt.table("SyncStateTable"))
    links = Identities(stack.rt.table("IdentitiesTable"))
    links.link(
        [
            Identify(
                event_id="e1", source="smms", network=Network.X, network_user_id="8801",
                contact_id="c-old", consent_basis=ConsentBasis.OPT_IN, occurred_at=T0,
            )
        ]
    )  # fmt: skip
    queue.queue(
        [
            Review("x#8801", "c-new", Doubt.WOULD_MOVE, "c-old", "o-5"),
            Review("x#8802", "c-a", Doubt.CLAIMED_BY_SEVERAL),
            Review("x#8802", "c-b", Doubt.CLAIMED_BY_SEVERAL),
        ],
        {"c-new", "c-a", "c-b"},
        T0,
    )
    return links


def test_review_lists_what_waits_and_approve_and_reject_decide(fresh_stack: DeployedStack) -> None:
    links = seeded(fresh_stack)

    listed = fresh_stack.socialscore("identities", "review", "--json")
    SyncState(fresh_stack.rt.table("SyncStateTable")).mark_erased(["c-new"])  # an erasure came
    erasing = fresh_stack.socialscore("identities", "approve", "x#8801#c-new")
    approved = fresh_stack.socialscore("identities", "approve", "x#8802#c-b")
    rejected = fresh_stack.socialscore("identities", "reject", "x#8801#c-new")
    again = fresh_stack.socialscore("identities", "approve", "x#8802#c-a")
    left = fresh_stack.socialscore("identities", "review")
    everything = fresh_stack.socialscore("identities", "review", "--all", "--json")

    assert listed.code == 0
    assert [r["review"] for r in listed.json()] == ["x#8801#c-new", "x#8802#c-a", "x#8802#c-b"]
    assert "would_move: linked to another contact" in listed.err
    assert erasing.code == 2
    assert "x#8801#c-new names a contact or account being erased" in erasing.err
    assert approved.out.strip() == "x#8802#c-b: approved (x#8802 linked to c-b, basis reviewed)"
    assert rejected.out.strip() == "x#8801#c-new: rejected"
    assert again.code == 2  # settled by the approval of c-b's claim
    assert "no review waits under x#8802#c-a" in again.err
    assert left.out.strip() == "nothing waits for review"
    assert {r["review"]: r["status"] for r in everything.json()} == {
        "x#8801#c-new": "rejected",
        "x#8802#c-b": "approved",
    }
    found = links.links(["x#8801", "x#8802"])
    assert (found["x#8801"].contact_id, found["x#8801"].consent_basis.value) == ("c-old", "opt_in")
    assert (found["x#8802"].contact_id, found["x#8802"].consent_basis.value) == ("c-b", "reviewed")
