"""Identity links from the CRM's own social fields, a step of every crm_sync run.

The run reads the contacts the CRM changed since this step's bookmark, with the social fields the
configuration names (CRM_SOCIAL_FIELDS), reads each field to an X username (domain.social_fields),
asks X for the ids of the usernames (100 a call, each once a run), and plans the changes
(domain.identity_plan): links with the basis `crm_record` and the contact's CRM owner, unlinks of
links a field made once and no longer names, and the doubtful matches, which wait in the review
queue instead. Links and unlinks are recorded by the resolve stage's own rule
(resolution.relink), so crm_sync scores again every contact they touch, and the contact's owner
is who hears of its hot leads and complaints, as for an identify event.

Nothing is stored of a username: it lives in this run's memory, and only the contacts changed
since the last run are looked up. An erased contact or account (pending, or erased before) is
never linked from the fields again. A run X stops (429, unavailable) applies the contacts X
answered for, and saves the bookmark at the last contact it finished with: the next run reads on
from there (what was applied changes nothing when read again). A field the CRM does not have
(a typo, a property deleted) would read empty on every contact and unlink all it linked: the
reader refuses the run (FieldsMissing), and nothing is linked, unlinked nor moved on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from socialscore.aws.logs import logger
from socialscore.crm.contact_fields import FieldsMissing
from socialscore.domain.identity_plan import (
    FIELD_MADE,
    CurrentLink,
    Decision,
    Doubt,
    Plan,
    Review,
    ReviewEntry,
    plan,
)
from socialscore.domain.interaction import (
    ConsentBasis,
    Identify,
    LinkBasis,
    Network,
    identity_key,
)
from socialscore.domain.social_fields import Changed, ContactFields
from socialscore.pipeline.contact_bookmark import MAX_CONTACTS, Bookmark, cut
from socialscore.pipeline.ports import CrmPending, IdentityLinks
from socialscore.pipeline.resolution import relink
from socialscore.providers.x_users import UsernamesStopped

SOURCE = "crm_fields"


class LinkView(Protocol):
    @property
    def contact_id(self) -> str: ...

    @property
    def consent_basis(self) -> ConsentBasis | LinkBasis: ...


class Links(IdentityLinks, Protocol):
    def links(self, identities: list[str]) -> Mapping[str, LinkView]:
        """identity -> its link as recorded, for those linked."""
        ...

    def sync(self, identities: list[str]) -> None:
        """The contacts' ranking made to follow these identities' links (store.identities)."""
        ...


class ContactFieldsReader(Protocol):
    name: str

    def changed_contacts(self, since: datetime | None, overlap: bool, limit: int) -> list[Changed]:
        """The contacts changed at or after `since` (None: every contact; `overlap`: from a
        little before it), oldest change first, with their social fields read and when they
        were changed; at least `limit` of them when there are as many (more is allowed)."""
        ...


class UsernameIds(Protocol):
    @property
    def calls(self) -> int:
        """Calls to X so far."""
        ...

    def user_ids(self, usernames: list[str]) -> dict[str, str | None]:
        """username -> X user id (None: no account shown); raises UsernamesStopped."""
        ...


class ReviewQueue(Protocol):
    def entries(self) -> dict[str, ReviewEntry]: ...

    def queue(self, reviews: list[Review], contacts: set[str], at: datetime) -> None:
        """Queue `reviews` for `contacts`, read again: their pending entries not in `reviews`
        go."""
        ...

    def write(self, entries: list[ReviewEntry]) -> None: ...

    def drop(self, keys: Iterable[str]) -> None: ...

    def forget(self, contacts: set[str], identities: set[str]) -> None: ...

    def erased(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` (contacts, identities) erased: never linked from CRM fields."""
        ...

    def bookmark(self, crm: str) -> str | None: ...

    def save_bookmark(self, crm: str, value: str) -> None: ...


@dataclass
class FieldsReport:
    contacts: int = 0  # changed contacts read
    usernames: int = 0  # distinct usernames their fields named
    linked: int = 0
    refused: int = 0  # links the store refused as invalid (logged with the reason; not linked)
    unlinked: int = 0
    queued: int = 0  # doubtful matches waiting for review
    unresolved: int = 0  # usernames X answered no account for
    x_calls: int = 0
    missing_fields: int = 0  # fields the CRM does not have: nothing read, linked nor unlinked
    complete: bool = True  # False: X stopped; the next run reads the rest again


@dataclass
class CrmIdentities:
    reader: ContactFieldsReader
    users: UsernameIds
    identities: Links
    review: ReviewQueue
    pending: CrmPending

    def run_safely(self, now: datetime, erasing: set[str]) -> FieldsReport | None:
        """`run`, whose failure (the CRM or X refusing, a store not answering) is logged and
        leaves the bookmark, so the next run reads the same contacts again: crm_sync's own work
        goes on whatever this step meets."""
        try:
            return self.run(now, erasing)
        except FieldsMissing as missing:  # a field's name is configuration, not personal data
            logger().error(
                "identity links from CRM fields not made: CRM_SOCIAL_FIELDS names fields the CRM "
                "does not have",
                extra={"reason": "field_not_in_crm", "fields": missing.names},
            )
            return FieldsReport(missing_fields=len(missing.names), complete=False)
        except Exception as err:  # logged with its reason; the next run tries again
            # The CRM's own code when it gave one (INVALID_FIELD: a field CRM_SOCIAL_FIELDS
            # names is not in the org), never a message, which may quote a record's values.
            code = getattr(err, "code", None) or getattr(err, "reason", None)
            logger().warning(
                "identity links from CRM fields not made: the next run tries again",
                extra={"reason": type(err).__name__, "code": code},
            )
            return None

    def run(self, now: datetime, erasing: set[str]) -> FieldsReport:
        """One pass over the contacts changed since the bookmark; `erasing`: the contacts and
        identities whose erasure is pending (never linked)."""
        mark = Bookmark.loads(self.review.bookmark(self.reader.name))
        since, overlap = (mark.at, mark.overlap) if mark else (None, False)
        read, whole = cut(self.reader.changed_contacts(since, overlap, MAX_CONTACTS))
        barred = erasing | self.review.erased(c.contact_id for c, _ in read)
        contacts = [c for c, _ in read if c.contact_id not in barred]
        report = FieldsReport(contacts=len(read), complete=whole)
        usernames = sorted({u for c in contacts for u in c.usernames})
        report.usernames = len(usernames)
        calls = self.users.calls
        try:
            ids = self.users.user_ids(usernames)
        except UsernamesStopped as stopped:
            ids = stopped.answered
            report.complete = False
            contacts = [c for c in contacts if all(u in ids for u in c.usernames)]
            read = _answered(read, ids)  # the bookmark stops before the first one left
        report.x_calls = self.users.calls - calls
        named = {_identity(i) for i in ids.values() if i is not None}
        gone = (named & erasing) | self.review.erased(named)
        if gone:  # an erased account is as if no field named it
            contacts = [_without(c, ids, gone) for c in contacts]
        self._apply(contacts, ids, now, report)
        done = read[-1][1] if read else None
        if done is not None or mark is not None:
            moved = mark.moved(done, now) if mark else Bookmark(done or now, now)
            self.review.save_bookmark(self.reader.name, moved.dumps())
        logger().info("identity links from CRM fields", extra=vars(report))
        return report

    def _apply(
        self,
        contacts: list[ContactFields],
        ids: dict[str, str | None],
        now: datetime,
        report: FieldsReport,
    ) -> None:
        named = sorted({_identity(i) for i in ids.values() if i is not None})
        linked = self.identities.links(named) if named else {}
        field_links: dict[str, list[CurrentLink]] = {}
        # A query of the contact index each, then their links in one batched read.
        mine = [i for c in contacts for i in self.identities.identities_of(c.contact_id)]
        held = self.identities.links(sorted(set(mine))) if mine else {}
        for contact in contacts:
            field_links[contact.contact_id] = [
                CurrentLink(i, link.contact_id, link.consent_basis.value)
                for i, link in held.items()
                if link.contact_id == contact.contact_id
                and link.consent_basis.value in FIELD_MADE
                and i.startswith(f"{Network.X.value}#")
            ]
        rejected = {k for k, e in self.review.entries().items() if e.status is Decision.REJECTED}
        current = {
            i: CurrentLink(i, link.contact_id, link.consent_basis.value)
            for i, link in linked.items()
        }
        planned: Plan = plan(contacts, ids, current, field_links, rejected)
        links = [
            link_event(identity, contact, owner, LinkBasis.CRM_RECORD, now)
            for identity, contact, owner in planned.link
        ]
        _, report.refused = relink(links, planned.unlink, self.identities, self.pending, now)
        # A link an earlier pass made is planned as linked already: synced all the same, as a
        # run that failed after the link landed left it unsynced, and reads its contact again.
        if kept := sorted(current.keys() - {identity for identity, _, _ in planned.link}):
            self.identities.sync(kept)
        self.review.queue(planned.reviews, {c.contact_id for c in contacts}, now)
        report.linked, report.unlinked = len(links) - report.refused, len(planned.unlink)
        report.queued, report.unresolved = len(planned.reviews), planned.unresolved


def _answered(read: list[Changed], ids: dict[str, str | None]) -> list[Changed]:
    """The contacts read, up to the first whose usernames X did not all answer."""
    for n, (contact, _) in enumerate(read):
        if any(u not in ids for u in contact.usernames):
            return read[:n]
    return read


def _identity(user_id: str) -> str:
    return identity_key(Network.X, user_id)


def _without(contact: ContactFields, ids: dict[str, str | None], gone: set[str]) -> ContactFields:
    def kept(username: str) -> bool:
        user_id = ids[username]
        return user_id is None or _identity(user_id) not in gone

    return replace(contact, usernames=tuple(filter(kept, contact.usernames)))


def link_event(
    identity: str, contact_id: str, owner_id: str | None, basis: LinkBasis, now: datetime
) -> Identify:
    """The identify message a link from a field (or a review) is recorded as."""
    network, user_id = identity.split("#", 1)
    return Identify(
        event_id=f"{basis.value}:{identity}:{contact_id}:{now.isoformat()}",
        source=SOURCE,
        network=Network(network),
        network_user_id=user_id,
        contact_id=contact_id,
        consent_basis=basis,
        occurred_at=now,
        owner_id=owner_id,
    )


class NotPending(LookupError):
    """No review waits under that key (unknown, or decided already)."""


class ErasurePending(LookupError):
    """The review names a contact or account erased: never linked again (crm_sync drops the
    review when it takes the erasure to the CRM)."""


def decide(
    key: str,
    approve: bool,
    review: ReviewQueue,
    identities: Links,
    pending: CrmPending,
    now: datetime,
    erasing: set[str],
) -> ReviewEntry:
    """A person's decision on a waiting review, recorded with its time. Approved: the link is
    made with the basis `reviewed` (moved from the contact it was linked to, if any; the other
    contacts' reviews of the identity are then settled and go), or, for `no_longer_resolves`,
    taken off. Rejected: nothing changes, and the same match is never queued again. `erasing`:
    the contacts and identities whose erasure is pending, never linked (nor those erased)."""
    entries = review.entries()
    entry = entries.get(key)
    if entry is None or entry.status is not Decision.PENDING:
        raise NotPending(key)
    r = entry.review
    named = {r.contact_id, r.identity}
    links = approve and r.doubt is not Doubt.NO_LONGER_RESOLVES
    if links and (named & erasing or review.erased(named)):
        raise ErasurePending(key)
    if approve and r.doubt is Doubt.NO_LONGER_RESOLVES:
        relink([], [(r.identity, r.contact_id)], identities, pending, now)
    elif approve:
        # Linked there meanwhile (an identify event, an import): that link and its basis stay,
        # synced all the same (this approval's own link, if an earlier try stopped before its sync).
        if identities.contacts_of([r.identity]).get(r.identity) != r.contact_id:
            event = link_event(r.identity, r.contact_id, r.owner_id, LinkBasis.REVIEWED, now)
            relink([event], [], identities, pending, now)
        else:
            identities.sync([r.identity])
        review.drop(
            k
            for k, e in entries.items()
            if k != key and e.review.identity == r.identity and e.status is Decision.PENDING
        )
    status = Decision.APPROVED if approve else Decision.REJECTED
    decided = ReviewEntry(r, status, entry.queued_at, now.isoformat())
    review.write([decided])
    return decided
