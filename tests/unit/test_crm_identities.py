"""Identity links from the CRM's social fields (pipeline.crm_identities), in memory: links made
with the basis crm_record and the contact's owner, unlinked and relinked as the fields change,
doubtful matches queued and decided, erased contacts never linked again, an X stop applying what
X answered and reading the rest again; no username kept anywhere."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from socialscore.crm.contact_fields import FieldsMissing
from socialscore.domain.aggregates import ContactTotal
from socialscore.domain.identity_plan import Decision, Doubt
from socialscore.domain.interaction import Identify, Kind
from socialscore.domain.social_fields import Changed, ContactFields, read_fields
from socialscore.pipeline.crm_identities import (
    CrmIdentities,
    ErasurePending,
    NotPending,
    decide,
)
from socialscore.providers.x_users import UsernamesStopped
from socialscore_local.memory.contact_totals import MemoryContactSync
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.identity_review import MemoryIdentityReview
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.scores import MemoryScoreStore
from tests.unit.test_message_compat import IDENTIFY
from tests.unit.test_scoring import touch

NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)


class Crm:
    """The CRM's changed contacts: each run reads those changed since its bookmark."""

    name = "hubspot"

    def __init__(self) -> None:
        self.contacts: dict[str, tuple[int, ContactFields]] = {}
        self.clock = 0
        self.missing: list[str] = []  # configured fields the CRM has no property for

    def change(self, contact_id: str, *fields: str | None, owner: str | None = None) -> None:
        self.clock += 1
        self.contacts[contact_id] = (self.clock, read_fields(contact_id, list(fields), owner))

    def changed_contacts(self, since: datetime | None, overlap: bool, limit: int) -> list[Changed]:
        if self.missing:  # as crm.contact_fields refuses: before any contact is read
            raise FieldsMissing(self.missing)
        after = since or datetime.min.replace(tzinfo=UTC)
        found = sorted((t, c) for t, c in self.contacts.values() if at(t) > after)
        return [(c, at(t)) for t, c in found]


def at(tick: int) -> datetime:
    """The CRM's clock: a minute a change."""
    return NOW + timedelta(minutes=tick)


class X:
    """X's accounts; `stop_after`: usernames answered before a 429."""

    def __init__(self, accounts: dict[str, str]) -> None:
        self.accounts = accounts
        self.calls = 0
        self.asked: list[str] = []
        self.stop_after: int | None = None

    def user_ids(self, usernames: list[str]) -> dict[str, str | None]:
        self.calls += -(-len(usernames) // 100)
        self.asked += usernames
        answered = {u: self.accounts.get(u) for u in usernames}
        if self.stop_after is not None:
            raise UsernamesStopped(dict(list(answered.items())[: self.stop_after]), "rate_limited")
        return answered


class Pending:
    def __init__(self) -> None:
        self.profiles: set[str] = set()
        self.contacts: set[str] = set()

    def mark_changed(
        self, at: datetime, profiles: Iterable[str] = (), contacts: Iterable[str] = ()
    ) -> None:
        self.profiles |= set(profiles)
        self.contacts |= set(contacts)

    def mark_erased(self, contacts: Iterable[str], profiles: Iterable[str] = ()) -> None:
        raise AssertionError("linking erases nobody")


class World:
    def __init__(self, accounts: dict[str, str]) -> None:
        self.crm, self.x = Crm(), X(accounts)
        self.links, self.review, self.pending = (
            MemoryIdentityLinks(),
            MemoryIdentityReview(),
            Pending(),
        )
        self.step = CrmIdentities(self.crm, self.x, self.links, self.review, self.pending)
        self.now = NOW

    def run(self, erasing: set[str] | None = None):  # type: ignore[no-untyped-def]
        self.now += timedelta(minutes=15)
        return self.step.run(self.now, erasing or set())

    def linked(self) -> dict[str, tuple[str, str]]:
        return {i: (v["contact_id"], v["consent_basis"]) for i, v in self.links.items.items()}

    def waiting(self) -> dict[str, Doubt]:
        return {
            k: e.review.doubt
            for k, e in self.review.entries().items()
            if e.status is Decision.PENDING
        }

    def decide(self, key: str, approve: bool, erasing: set[str] | None = None):  # type: ignore[no-untyped-def]
        return decide(
            key, approve, self.review, self.links, self.pending, self.now, erasing or set()
        )


def test_fields_that_name_an_account_link_it_with_the_basis_crm_record_and_the_owner() -> None:
    w = World({"ana_dev": "11", "bo": "22"})
    w.crm.change("c1", "@Ana_Dev", None, owner="o-7")
    w.crm.change("c2", "https://twitter.com/bo/status/9")
    w.crm.change("c3", "not a handle at all")

    report = w.run()

    assert w.linked() == {"x#11": ("c1", "crm_record"), "x#22": ("c2", "crm_record")}
    assert w.links.items["x#11"]["owner_id"] == "o-7"  # its hot leads go to its CRM owner
    assert w.pending.profiles == {"x#11", "x#22"}  # crm_sync scores c1 and c2 again
    assert (report.contacts, report.usernames, report.linked, report.x_calls) == (3, 2, 2, 1)


class RefusingLinks(MemoryIdentityLinks):
    """A store that refuses a batch's first link as invalid (DynamoDB's ValidationError for its
    put: store.link_writes logs it and writes the rest)."""

    def link(self, events: list[Identify]) -> int:
        return super().link(events[1:]) + 1 if events else 0


def test_a_link_the_store_refuses_as_invalid_is_counted_refused_not_linked() -> None:
    w = World({"ana_dev": "11", "bo": "22"})
    w.links = RefusingLinks()
    w.step = CrmIdentities(w.crm, w.x, w.links, w.review, w.pending)
    w.crm.change("c1", "@Ana_Dev")
    w.crm.change("c2", "@bo")

    report = w.run()

    assert len(w.linked()) == 1  # the other link is written
    assert (report.linked, report.refused) == (1, 1)


def test_a_link_whose_ranking_sync_died_is_synced_when_the_next_run_reads_its_contact() -> None:
    """The pass linked x#1001, which had a touch, and its run ended before the contacts'
    ranking followed the link (its Lambda's time out, or the sync refused 8 times): the bookmark
    stays, the next run reads c1 again and finds x#1001 linked already, so it links nothing,
    but syncs it all the same: else c1's item would miss x#1001's units for good (the score
    stage trusts the item's `contact`)."""
    w = World({"ana_dev": "1001"})
    scores = MemoryScoreStore()
    like = touch(Kind.LIKE, actor="1001")
    MemoryTouchLedger(scores).record([like])

    def died(identities: list[str]) -> None:
        raise TimeoutError("the run's time was up before the sync")

    w.links.synced = died
    w.crm.change("c1", "@ana_dev")
    with pytest.raises(TimeoutError):
        w.run()
    assert w.linked() == {"x#1001": ("c1", "crm_record")}  # the link landed
    w.links.synced = MemoryContactSync(scores, w.links.contacts_of).sync

    report = w.run()

    assert report.linked == 0
    assert scores.items[ContactTotal("c1")] == {"units": like.units, "touches": Decimal(1)}


def test_only_contacts_changed_since_the_last_run_are_read_and_looked_up() -> None:
    w = World({"ana_dev": "11", "bo": "22"})
    w.crm.change("c1", "ana_dev")
    w.run()
    w.crm.change("c2", "bo")
    w.x.asked.clear()

    report = w.run()

    assert w.x.asked == ["bo"]
    assert report.contacts == 1


def test_a_cleared_field_unlinks_and_a_changed_one_relinks_the_next_run() -> None:
    w = World({"ana_dev": "11", "bo": "22", "bo_new": "33"})
    w.crm.change("c1", "ana_dev")
    w.crm.change("c2", "bo")
    w.run()
    w.crm.change("c1", "")
    w.crm.change("c2", "x.com/bo_new")
    w.pending.contacts.clear()

    report = w.run()

    assert w.linked() == {"x#33": ("c2", "crm_record")}
    assert w.pending.contacts == {"c1", "c2"}  # scored again without the account they lost
    assert (report.linked, report.unlinked) == (1, 2)


def test_a_link_from_an_identify_event_is_neither_taken_off_nor_moved_by_a_field() -> None:
    w = World({"ana_dev": str(IDENTIFY.network_user_id)})
    w.links.link([IDENTIFY])  # c-from-smms, opt_in
    w.crm.change(IDENTIFY.contact_id, "")
    w.crm.change("c2", "ana_dev")

    w.run()

    assert w.linked()[IDENTIFY.identity] == (IDENTIFY.contact_id, IDENTIFY.consent_basis.value)
    assert w.waiting() == {f"{IDENTIFY.identity}#c2": Doubt.WOULD_MOVE}


def test_one_account_claimed_by_two_contacts_waits_and_approving_one_settles_both() -> None:
    w = World({"ana_dev": "11"})
    w.crm.change("c1", "ana_dev")
    w.crm.change("c2", "@ANA_DEV")

    w.run()
    assert w.linked() == {}
    assert w.waiting() == {"x#11#c1": Doubt.CLAIMED_BY_SEVERAL, "x#11#c2": Doubt.CLAIMED_BY_SEVERAL}

    decided = w.decide("x#11#c2", approve=True)

    assert decided.status is Decision.APPROVED
    assert decided.decided_at == w.now.isoformat()
    assert w.linked() == {"x#11": ("c2", "reviewed")}
    assert w.waiting() == {}  # c1's claim is settled with it: nothing is linked twice
    with pytest.raises(NotPending):
        w.decide("x#11#c1", approve=True)


def test_an_approval_whose_ranking_sync_died_syncs_when_the_operator_approves_again() -> None:
    """The approved link landed and the command stopped before the contacts' ranking followed it:
    the review still waits, and approving it again finds x#1001 linked there already, so links
    nothing, but syncs it all the same: else c2's item would miss x#1001's units for good."""
    w = World({"ana_dev": "1001"})
    scores = MemoryScoreStore()
    like = touch(Kind.LIKE, actor="1001")
    MemoryTouchLedger(scores).record([like])
    w.crm.change("c1", "ana_dev")
    w.crm.change("c2", "@ANA_DEV")
    w.run()

    def died(identities: list[str]) -> None:
        raise TimeoutError("the command stopped before the sync")

    w.links.synced = died
    with pytest.raises(TimeoutError):
        w.decide("x#1001#c2", approve=True)
    assert w.linked() == {"x#1001": ("c2", "reviewed")}  # the link landed
    assert "x#1001#c2" in w.waiting()
    w.links.synced = MemoryContactSync(scores, w.links.contacts_of).sync

    assert w.decide("x#1001#c2", approve=True).status is Decision.APPROVED

    assert scores.items[ContactTotal("c2")] == {"units": like.units, "touches": Decimal(1)}


def test_a_rejected_move_leaves_the_link_and_is_never_queued_again() -> None:
    w = World({"ana_dev": "11"})
    w.crm.change("c9", "ana_dev")
    w.run()
    w.crm.change("c1", "ana_dev")
    w.run()
    assert w.waiting() == {"x#11#c1": Doubt.WOULD_MOVE}

    w.decide("x#11#c1", approve=False)
    w.crm.change("c1", "ana_dev", owner="o-2")  # c1 changed again, still naming it
    w.run()

    assert w.linked() == {"x#11": ("c9", "crm_record")}
    assert w.waiting() == {}
    assert w.review.entries()["x#11#c1"].status is Decision.REJECTED


def test_an_approved_move_moves_the_link_and_scores_the_contact_it_left() -> None:
    w = World({"ana_dev": "11"})
    w.crm.change("c9", "ana_dev")
    w.run()
    w.crm.change("c1", "ana_dev")
    w.run()
    w.pending.contacts.clear()

    w.decide("x#11#c1", approve=True)

    assert w.linked() == {"x#11": ("c1", "reviewed")}
    assert w.pending.contacts == {"c9"}


def test_a_review_naming_a_contact_being_erased_is_never_approved_into_a_link() -> None:
    # The erasure took the contact's links already; crm_sync drops its reviews when it takes the
    # erasure to the CRM (15 minutes at most): an approval meanwhile would link it again.
    w = World({"ana_dev": "11"})
    w.crm.change("c9", "ana_dev")
    w.run()
    w.crm.change("c1", "ana_dev")
    w.run()

    with pytest.raises(ErasurePending):
        w.decide("x#11#c1", approve=True, erasing={"c1"})
    with pytest.raises(ErasurePending):
        w.decide("x#11#c1", approve=True, erasing={"x#11"})

    assert w.linked() == {"x#11": ("c9", "crm_record")}
    assert w.waiting() == {"x#11#c1": Doubt.WOULD_MOVE}


def test_a_handle_that_no_longer_resolves_keeps_its_link_until_a_person_says() -> None:
    w = World({"ana_dev": "11"})
    w.crm.change("c1", "ana_dev")
    w.run()
    del w.x.accounts["ana_dev"]  # suspended, or renamed away
    w.crm.change("c1", "ana_dev", owner="o-1")

    report = w.run()
    assert w.linked() == {"x#11": ("c1", "crm_record")}
    assert w.waiting() == {"x#11#c1": Doubt.NO_LONGER_RESOLVES}
    assert report.unresolved == 1

    w.decide("x#11#c1", approve=True)
    assert w.linked() == {}


def test_an_erased_contact_is_never_linked_from_its_fields_and_its_reviews_go() -> None:
    w = World({"ana_dev": "11", "bo": "22"})
    w.crm.change("c9", "bo")
    w.run()
    w.crm.change("c1", "ana_dev")
    w.crm.change("c2", "bo")  # would move x#22 from c9: waits
    w.run(erasing={"c1"})
    assert w.linked() == {"x#22": ("c9", "crm_record")}
    assert w.waiting() == {"x#22#c2": Doubt.WOULD_MOVE}

    w.review.forget({"c2"}, set())  # crm_sync forgets an erasure
    w.crm.change("c2", "bo")  # the erasure's own push changes the contact in the CRM
    w.run()

    assert w.waiting() == {}
    assert w.linked() == {"x#22": ("c9", "crm_record")}


def test_x_stopping_applies_what_it_answered_and_the_next_run_reads_the_rest() -> None:
    w = World({"ana_dev": "11", "bo": "22"})
    w.crm.change("c1", "ana_dev")
    w.crm.change("c2", "bo")
    w.x.stop_after = 1

    report = w.run()
    assert not report.complete
    assert w.linked() == {"x#11": ("c1", "crm_record")}

    w.x.stop_after = None
    w.run()
    assert w.linked() == {"x#11": ("c1", "crm_record"), "x#22": ("c2", "crm_record")}


def test_no_username_is_kept_in_the_links_or_the_queue() -> None:
    w = World({"ana_dev": "11"})
    w.crm.change("c1", "ana_dev")
    w.crm.change("c2", "ana_dev")
    w.run()
    kept = repr(w.links.items) + repr(w.review.held) + repr(w.review.bookmarks)
    assert "ana_dev" not in kept


def test_an_erased_account_is_never_linked_again_from_a_field_naming_it() -> None:
    w = World({"ana_dev": "11", "bo": "22"})
    w.crm.change("c1", "ana_dev")
    w.run(erasing={"x#11"})  # its erasure pending: not linked
    assert w.linked() == {}

    w.review.forget(set(), {"x#11"})  # crm_sync forgot it
    w.crm.change("c1", "ana_dev", "bo")
    w.run()

    assert w.linked() == {"x#22": ("c1", "crm_record")}
    assert w.waiting() == {}


def test_a_run_x_stops_saves_the_bookmark_at_the_last_contact_it_finished_with() -> None:
    w = World({f"user_{n}": str(100 + n) for n in range(4)})
    for n in range(4):
        w.crm.change(f"c{n}", f"user_{n}")
    w.x.stop_after = 2  # X answers the first two usernames, then its window is spent

    first = w.run()
    w.x.asked.clear()
    w.x.stop_after = None
    second = w.run()

    assert not first.complete
    assert second.complete
    assert w.x.asked == ["user_2", "user_3"]  # the next run goes on, it does not start over
    assert len(w.linked()) == 4


def test_approving_a_match_an_identify_event_made_meanwhile_keeps_that_link() -> None:
    w = World({"ana_dev": str(IDENTIFY.network_user_id)})
    w.crm.change("c9", "ana_dev")
    w.run()
    w.crm.change(IDENTIFY.contact_id, "ana_dev")
    w.run()  # would move it to the identify event's contact: waits
    later = IDENTIFY.model_copy(update={"occurred_at": w.now + timedelta(minutes=5)})
    w.links.link([later])  # the SMMS links it there itself, with the contact's consent

    w.decide(f"{IDENTIFY.identity}#{IDENTIFY.contact_id}", approve=True)

    assert w.linked()[IDENTIFY.identity] == (IDENTIFY.contact_id, IDENTIFY.consent_basis.value)


def test_a_field_the_crm_does_not_have_unlinks_nothing_and_keeps_the_bookmark() -> None:
    w = World({"ana_dev": "11", "bo": "22"})
    w.crm.change("c1", "ana_dev")
    w.crm.change("c2", "bo")
    w.run()
    bookmark = dict(w.review.bookmarks)
    # CRM_SOCIAL_FIELDS now names a typo: read, the field would be empty on every contact.
    w.crm.missing = ["twiterhandle"]
    w.crm.change("c1", None)
    w.crm.change("c2", None)
    w.pending.profiles.clear()

    w.now += timedelta(minutes=15)
    report = w.step.run_safely(w.now, set())

    assert w.linked() == {"x#11": ("c1", "crm_record"), "x#22": ("c2", "crm_record")}
    assert w.pending.profiles == set()  # nobody scored again: nothing changed
    assert w.review.bookmarks == bookmark  # the contacts are read once the field is fixed
    assert report is not None
    assert (report.missing_fields, report.unlinked, report.complete) == (1, 0, False)
    w.crm.missing = []  # fixed: the same contacts are read, and their empty fields unlink
    assert w.run().unlinked == 2
