"""Who a profile is, read only for the profiles asked about (report.leads' Groups without the
identities table read whole): an identity's contact from its link, read with the others of its
page in one BatchGetItem (100 keys a call); a contact's bound (the most identities it may have:
store.identity_counts) 100 contacts a BatchGetItem; a contact's identities from the links read
when they are as many as its bound, else from the `by_contact` index, one Query a contact, once
(READERS in flight, as the journeys' reads); the most identities any contact has from the bound
the links keep. Until `socialscore rebuild` has made the bounds ready, `most` reads the whole
grouping instead (exact, as before), and every answer after comes from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from socialscore.report.journeys import READERS
from socialscore.report.leads import Grouping
from socialscore.store.identities import Link


class LinkReads(Protocol):
    """The identities store's reads (store.identities.Identities, memory.identities)."""

    def links(self, identities: list[str]) -> dict[str, Link]: ...

    def identities_of(self, contact_id: str) -> list[str]: ...

    def most_identities(self) -> int | None: ...

    def identity_bounds(self, contacts: list[str]) -> dict[str, int]: ...


class LazyGrouping:
    def __init__(self, store: LinkReads, whole: Callable[[], Grouping]) -> None:
        self._store = store
        self._whole_read = whole
        self._whole: Grouping | None = None
        self._links: dict[str, Link | None] = {}  # identity -> its link, None: not linked
        self._met: dict[str, set[str]] = {}  # contact -> its identities whose links were read
        self._identities: dict[str, list[str]] = {}  # contact -> its identities, all
        self._bounds: dict[str, int] = {}  # contact -> the most identities it may have
        self._most: int | None = None
        self._most_read = False

    def prefetch(self, identities: Iterable[str]) -> None:
        """Read the links of those not read yet, together (one BatchGetItem a 100)."""
        self.links(list(identities))

    def links(self, identities: list[str]) -> dict[str, Link]:
        """identity -> its link, for those linked, each read once (report.leads' Links: the
        hot leads' owners reuse the links their grouping read)."""
        missing = sorted({i for i in identities if i not in self._links})
        if missing:
            found = self._store.links(missing)
            for identity in missing:
                link = self._links[identity] = found.get(identity)
                if link is not None:
                    self._met.setdefault(link.contact_id, set()).add(identity)
        return {i: link for i in identities if (link := self._links.get(i)) is not None}

    def who(self, identity: str) -> str:
        """Its contact when linked, else itself (an anonymous profile)."""
        if self._whole is not None:
            return self._whole.who(identity)
        link = self.links([identity]).get(identity)
        return link.contact_id if link is not None else identity

    def is_contact(self, who: str) -> bool:
        """Whether `who` (an answer of who()) is a contact."""
        if self._whole is not None:
            return self._whole.is_contact(who)
        return who in self._met

    def identities(self, who: str) -> list[str]:
        """A contact's identities; an anonymous profile's: itself."""
        if self._whole is not None:
            return self._whole.identities(who)
        if who not in self._met:
            return [who]
        self.prefetch_contacts([who])
        return self._identities[who]

    def are_contacts(self, contacts: Iterable[str]) -> None:
        """These are contacts (the contacts' ranking names them), whether or not a link naming
        them was read: their identities are read as any contact's (prefetch_contacts)."""
        if self._whole is None:
            for contact in contacts:
                self._met.setdefault(contact, set())

    def prefetch_contacts(self, whos: Iterable[str]) -> None:
        """Read these contacts' identities, those not known yet. A contact whose links read
        already name as many identities as its bound is whole. Any other: one Query of the
        `by_contact` index, then the links of the identities found, together, so that each
        keeps only those its link still names (the index is a little behind its table:
        docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reading), with
        any whose link named it that the index does not show yet."""
        if self._whole is not None:
            return
        todo = sorted({w for w in whos if w in self._met and w not in self._identities})
        self.prefetch_bounds(todo)
        for contact in todo:
            if contact in self._bounds and self._bounds[contact] <= len(self._met[contact]):
                self._identities[contact] = sorted(self._met[contact])
        queried = [c for c in todo if c not in self._identities]
        with ThreadPoolExecutor(READERS) as pool:  # a Query waits on the network: READERS at once
            found = dict(zip(queried, pool.map(self._store.identities_of, queried), strict=True))
        self.links([i for ids in found.values() for i in ids])
        for contact, ids in found.items():
            mine = {i for i in ids if (link := self._links.get(i)) and link.contact_id == contact}
            self._identities[contact] = sorted(mine | self._met[contact])

    def bound(self, who: str) -> int:
        """The most identities `who` may have: its contact's set (store.identity_counts) while
        the bound is ready, else the most any contact has; 1 for an anonymous profile."""
        if self._whole is None and who in self._met and not self._ready():
            self._whole = self._whole_read()  # a set may miss older links: not a bound
        if self._whole is not None:
            return self._whole.bound(who)
        if who not in self._met:
            return 1
        self.prefetch_bounds([who])
        return self._bounds.get(who, self.most)

    def prefetch_bounds(self, whos: Iterable[str]) -> None:
        """Read these contacts' bounds, those not read yet, together: only once `socialscore
        rebuild` has counted every link (before, a contact's set may miss older links)."""
        todo = sorted({w for w in whos if w in self._met and w not in self._bounds})
        if todo and self._whole is None and self._ready():
            self._bounds |= self._store.identity_bounds(todo)

    def _ready(self) -> bool:
        if not self._most_read:
            self._most, self._most_read = self._store.most_identities(), True
        return self._most is not None

    @property
    def most(self) -> int:
        """The most identities a contact may have: the links' bound, else the whole grouping's
        (read whole, as before the bound was built)."""
        if self._whole is None and not self._ready():
            self._whole = self._whole_read()
        return self._whole.most if self._whole is not None else max(self._most or 1, 1)
