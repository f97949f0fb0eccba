"""crm_sync with links from the CRM's social fields, in memory: its run makes them first, an
erasure pending is never linked and, once taken to the CRM, leaves no review naming the contact
and bars it from being linked from its fields again; a step that fails does not stop the run."""

from __future__ import annotations

from datetime import datetime, timedelta

from socialscore.domain.identity_plan import Doubt, Review
from socialscore.domain.social_fields import Changed
from socialscore.pipeline.crm_identities import CrmIdentities
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.identity_review import MemoryIdentityReview
from socialscore_ops.runs import summary
from tests.unit.test_crm_identities import Crm, Pending, X
from tests.unit.test_crm_sync_slices import DAY0, World, world


def with_fields(
    w: World, accounts: dict[str, str], review: MemoryIdentityReview | None = None
) -> tuple[Crm, CrmIdentities]:
    """The step on, over the review store crm_sync is wired with (one table on AWS)."""
    crm = Crm()
    review = review or MemoryIdentityReview()
    step = CrmIdentities(crm, X(accounts), MemoryIdentityLinks(), review, Pending())
    w.sync.identity_fields, w.sync.identity_review = step, review
    return crm, step


def test_a_run_links_from_the_fields_first_and_never_links_a_contact_being_erased() -> None:
    w = world()
    crm, step = with_fields(w, {"ana": "901", "bo": "902"})
    crm.change("c0001", "@ana")
    crm.change("c0014", "bo")
    w.state.mark_erased(["c0014"])

    w.sync.run(DAY0)

    links = step.identities.contacts_of(["x#901", "x#902"])
    assert links == {"x#901": "c0001"}


def test_an_erasure_taken_to_the_crm_leaves_no_review_naming_the_contact_and_bars_it() -> None:
    w = world()
    crm, step = with_fields(w, {"bo": "902"})
    step.review.queue([Review("x#902", "c0014", Doubt.WOULD_MOVE, "c0003")], {"c0014"}, DAY0)
    step.review.queue([Review("x#77", "c0020", Doubt.CLAIMED_BY_SEVERAL)], {"c0020"}, DAY0)
    w.state.mark_erased(["c0014"])

    w.sync.run(DAY0)
    crm.change("c0014", "bo")  # the erasure's own write changes the contact in the CRM
    w.sync.clock = lambda: DAY0 + timedelta(minutes=15)
    w.sync.run(DAY0 + timedelta(minutes=15))

    assert list(step.review.entries()) == ["x#77#c0020"]
    assert step.review.erased(["c0014"]) == {"c0014"}
    assert step.identities.contacts_of(["x#902"]) == {}


def test_an_erasure_taken_while_the_fields_were_off_bars_the_contact_once_they_are_on() -> None:
    # CrmSocialFields=none (or PostProvider not x) when the erasure is taken; turned on later,
    # the step's first read reads every contact, the erased one's field still in the CRM.
    w = world()
    review = MemoryIdentityReview()
    w.sync.identity_review = review  # wired whatever the fields' configuration
    w.state.mark_erased(["c0014"])
    w.sync.run(DAY0)

    crm, step = with_fields(w, {"bo": "902"}, review)
    crm.change("c0014", "bo")
    w.sync.clock = lambda: DAY0 + timedelta(minutes=15)
    w.sync.run(DAY0 + timedelta(minutes=15))

    assert step.identities.contacts_of(["x#902"]) == {}
    assert review.erased(["c0014"]) == {"c0014"}


class Failing(Crm):
    def changed_contacts(self, since: datetime | None, overlap: bool, limit: int) -> list[Changed]:
        raise ConnectionError("the CRM did not answer")


def test_a_failing_step_is_logged_and_the_run_pushes_all_the_same() -> None:
    w = world()
    w.sync.identity_fields = CrmIdentities(
        Failing(), X({}), MemoryIdentityLinks(), MemoryIdentityReview(), Pending()
    )
    report = w.sync.run(DAY0)
    assert report.pushed_scores > 0


def test_the_run_s_report_and_socialscore_sync_tell_the_links_made() -> None:
    w = world()
    crm, _ = with_fields(w, {"ana": "901"})
    crm.change("c0001", "@ana")
    crm.change("c0002", "ana")  # the same account: waits for review

    report = w.sync.run(DAY0)

    links = report.identity_links
    assert links is not None
    assert (links.contacts, links.linked, links.queued, links.x_calls) == (2, 0, 2, 1)
    printed = summary({"identity_links": vars(links)}, "2026-12-06T09:00:00Z")
    assert (
        "  X accounts     0 linked from CRM fields, 0 unlinked, 2 waiting for review "
        "(2 contacts read, 1 X calls)"
    ) in printed.splitlines()


def test_the_run_s_summary_names_a_missing_crm_field_not_a_run_that_goes_on() -> None:
    """A field the CRM does not have reads nothing, every run, until its name is fixed: the
    summary says so, instead of promising that the next run goes on."""
    links = {"contacts": 0, "linked": 0, "unlinked": 0, "queued": 0, "x_calls": 0}
    missing = summary(
        {"identity_links": links | {"missing_fields": 1, "complete": False}}, "2026-12-06T09:00Z"
    )
    assert "1 CRM field named not found: see the log" in missing
    assert "goes on where this one stopped" not in missing
    stopped = summary({"identity_links": links | {"complete": False}}, "2026-12-06T09:00Z")
    assert "the next run goes on where this one stopped" in stopped
