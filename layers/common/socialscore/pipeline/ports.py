"""What the use cases need from storage and queues: small Protocols the store and aws adapters
meet, so a test can pass a fake without a cast."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from socialscore.crm.base import Push, PushOutcome
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.delivery import Claim
from socialscore.domain.interaction import Category, Identify, Network
from socialscore.domain.ledger_rules import Key
from socialscore.domain.messages import Seller
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.permalink import Resolution
from socialscore.domain.post import CachedPost, PostRef
from socialscore.domain.record_key import Erasures, Landing, Pushed, RecordKey
from socialscore.domain.standing import ProfileItem
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.providers.base import Lookup


class PostProvider(Protocol):
    """A social data provider: post facts for many posts in as few calls as it allows.

    `lookup` answers every ref it was given, or raises ProviderRateLimited / ProviderUnavailable
    carrying the answers it did get before it had to stop. A malformed id answers `refused`
    alone: it never makes the other refs fail.
    """

    max_ids_per_call: int | None  # None: no limit, one call whatever the number of refs

    @property
    def networks(self) -> frozenset[Network]:
        """The networks it can look posts up on."""
        ...

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]: ...


class ShortLinkResolver(Protocol):
    def resolve_many(self, links: list[str]) -> dict[str, Resolution]:
        """Every link's resolution; what it could not tell in time is transient."""
        ...


class MessageQueue(Protocol):
    def send(
        self, messages: Sequence[tuple[str, str]], correlation_ids: Mapping[str, str] | None = None
    ) -> list[str]:
        """Send (id, body) pairs; returns the ids not sent."""
        ...

    def send_later(
        self,
        messages: Sequence[tuple[str, str, int]],
        deferrals: Mapping[str, int] | None = None,
        correlation_ids: Mapping[str, str] | None = None,
        *,
        packed: bool = True,
    ) -> list[str]:
        """Send (id, body, delay seconds), visible after the delay, packed unless `packed` is
        False; returns the ids not sent."""
        ...


class EventBus(Protocol):
    def publish(self, detail_type: str, details: Sequence[dict[str, Any]]) -> None:
        """Put the events on the bus; raise when any was refused."""
        ...


class IdentityLinks(Protocol):
    def contacts_of(self, identities: list[str]) -> dict[str, str]: ...

    def linked_at(self, identities: list[str]) -> dict[str, datetime]: ...

    def owners_of(self, identities: list[str]) -> dict[str, str]: ...

    def set_owner(self, identities: list[str], contact_id: str, owner_id: str) -> None:
        """Record the contact's CRM owner on these links, those still to that contact."""
        ...

    def link(self, events: list[Identify]) -> int:
        """Record the links; one that would change nothing writes nothing. Returns how many the
        store refused as invalid (logged; the others are recorded)."""
        ...

    def unlink(self, identities: list[str]) -> None: ...

    def bar(self, ids: list[str], at: datetime) -> None:
        """Remember these erased contacts and identities, erased at `at` (the latest kept)."""
        ...

    def barred(self, ids: list[str]) -> dict[str, datetime]:
        """Those of `ids` (contacts, identities) erased, with when."""
        ...

    def identities_of(self, contact_id: str) -> list[str]: ...

    def all_contacts(self) -> dict[str, list[str]]: ...

    def contacts_page(self, cursor: str, limit: int) -> tuple[dict[str, list[str]], str]:
        """Linked contacts with their identities, a page from `cursor` ("" first); returns them
        and the next page's cursor, "" after the last."""
        ...


class CrmOwners(Protocol):
    def owners_of(self, identities: list[str]) -> dict[str, str]:
        """identity -> its contact's CRM owner, where the link named one."""
        ...


class TouchHistory(Protocol):
    def touches_of(self, profile: str) -> list[Touch]: ...


class ContactDirectory(Protocol):
    def all_contacts(self) -> dict[str, list[str]]:
        """Every linked contact with its identities."""
        ...


class OpportunityReader(Protocol):
    def opportunities_of(self, contacts: Iterable[str]) -> set[str]: ...

    def opportunities(self, ids: Iterable[str]) -> list[Opportunity]: ...


class ChannelShareStore(Protocol):
    def save(self, version: str, as_of: str, result: dict[str, Any]) -> None:
        """Keep the attribution job's channel shares for this model version and slot."""
        ...


class SellerRegistry(Protocol):
    def of_accounts(self, identities: list[str]) -> dict[str, Seller]: ...


class PostCacheStore(Protocol):
    def get_many(self, refs: list[PostRef]) -> dict[PostRef, CachedPost]: ...

    def update(self, posts: list[CachedPost], gone: list[PostRef]) -> None: ...

    def purge(self, refs: list[PostRef]) -> None: ...


class TouchLedger(Protocol):
    def record(
        self, events: list[Touch | Withdrawal], contacts: Mapping[str, str] | None = None
    ) -> int:
        """Merge the events; `contacts`: identity -> its contact as resolve read it."""
        ...

    def delete_post(self, post: str, at: datetime) -> int: ...

    def touches_of(self, profile: str) -> list[Touch]: ...

    def erase(self, profile: str) -> int: ...


class ComplaintFlagStore(Protocol):
    def unannounced(self, keys: list[Key]) -> dict[Key, Touch]:
        """The counted complaints at these ledger keys not announced yet, as the ledger holds
        them."""
        ...

    def mark(self, keys: list[Key]) -> None:
        """Flag these complaints announced."""
        ...


class EngageActs(Protocol):
    def acts(self, since: datetime, until: datetime) -> list[Touch]:
        """The counted acts of the engage-now kinds that happened from since to until."""
        ...

    def answered(self, posts: list[str]) -> set[str]:
        """Of these acts (their own posts), those marked answered."""
        ...


class AnswerMarks(Protocol):
    def mark_answered(self, answers: dict[str, datetime], now: datetime) -> None:
        """post (an act's own) -> when it was answered: it leaves the engage-now queue."""
        ...


class ProfileScores(Protocol):
    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        """(profile, category) -> its stored item, for those that have one; a consistent read
        (right after a batch's write, a crossing must not be missed)."""
        ...


class ScoreStore(ProfileScores, Protocol):
    def forget(self, profile: str) -> None: ...

    def mark_hot(self, profiles: list[str], category: Category, at: str) -> None: ...


class SyncStateStore(Protocol):
    def bookmarks(self, crm: str) -> dict[str, str]: ...

    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]: ...

    def pending(self) -> Erasures:
        """The contacts and profiles erased and not yet taken to the CRM and forgotten."""
        ...

    def done(self, erased: Iterable[str], profiles: Iterable[str] = ()) -> None: ...

    def consumed(self, since: datetime, until: datetime) -> None:
        """The change window from since to until taken: its marks before until's bucket go."""
        ...

    def forget(self, erased: Erasures, since: datetime | None, until: datetime) -> None:
        """Delete every item naming these erased contacts and profiles (what was pushed for
        them, their marks from since to until); `pending` still lists them until `done`."""
        ...

    def mark_changed(
        self, at: datetime, profiles: Iterable[str] = (), contacts: Iterable[str] = ()
    ) -> None: ...

    def opportunities(self, ids: Iterable[str]) -> list[Opportunity]: ...

    def opportunities_of(self, contacts: Iterable[str]) -> set[str]: ...

    def pushed(self, keys: Iterable[RecordKey]) -> dict[RecordKey, Pushed]:
        """What the last successful push of each of these records left, for those pushed."""
        ...

    def save(self, landing: Landing, seen: list[Opportunity], bookmarks: dict[str, str]) -> None:
        """What the slice left (its opportunities attributed with their splits among it), the
        opportunities seen, then the bookmarks: last, so a failure before leaves them."""
        ...

    def take_lease(self, owner: str, now: datetime, until: datetime) -> datetime | None:
        """Hold the run lease until `until` unless another owner holds it past `now`: None when
        taken, else when the other's lease ends."""
        ...

    def release_lease(self, owner: str) -> None:
        """Give the lease back, if `owner` still holds it."""
        ...


class ActivityLog(Protocol):
    """Each counted interaction of a linked contact as an activity on the person's record
    (crm_activities pushes them; crm/: HubSpot timeline events, Salesforce records, Marketo
    custom activities). The outcome names its keys `rk.activity(<interaction id>)`: every one
    not written, with why. Both calls raise CrmStopped when the CRM refuses the rest of the
    run, its outcome naming every key not written."""

    @property
    def activity_batch(self) -> int:
        """Activities (or removals) one call takes: calls = ceil(n / this)."""
        ...

    def push_activities(self, activities: Sequence[Activity]) -> PushOutcome:
        """Create each, idempotent by its id (the interaction's): one the CRM holds already is
        written, not duplicated."""
        ...

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        """Take each off its contact's record (or, where the CRM keeps no delete, mark it
        withdrawn there); one the CRM never held is done."""
        ...


class Crm(ActivityLog, Protocol):
    """The CRM crm_sync reads opportunities from and pushes credit (and activities) to (crm/:
    Salesforce, HubSpot, Marketo, a file for the local runtime). Its calls raise CrmStopped
    (crm.base) when the CRM refuses the rest of the run."""

    name: str

    def changed_opportunities(self, since: datetime | None) -> list[Opportunity]:
        """Opportunities modified at or after `since` (all when None), with their contacts:
        inclusive, so one that shares the checkpoint's time but showed up late is not missed
        (digests absorb repeats)."""
        ...

    def push(self, push: Push) -> PushOutcome:
        """Upsert by external id, delete the retired records, clear the erased contacts' fields,
        open the hot-lead tasks and the complaint cases (each once, whatever was pushed
        before); the outcome names every key not written, with why."""
        ...


class CrmPending(Protocol):
    """What the score stage leaves for crm_sync to take to the CRM."""

    def mark_changed(
        self, at: datetime, profiles: Iterable[str] = (), contacts: Iterable[str] = ()
    ) -> None: ...

    def mark_erased(self, contacts: Iterable[str], profiles: Iterable[str] = ()) -> None:
        """Erased contacts (their CRM fields cleared) and identities (nothing kept names
        them)."""
        ...


class DeliveryLog(Protocol):
    def claim(self, key: str, digest: str, expires_at: int, now: int) -> Claim:
        """Record `key` (source#delivery id) with its body's digest unless it is live (expires
        after `now`) with another digest, and say what it was."""
        ...

    def queued(self, key: str, digest: str) -> None:
        """Mark the delivery's messages durably queued: a repeat is then acknowledged alone."""
        ...
