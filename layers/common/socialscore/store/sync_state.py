"""crm_sync's state (DynamoDB): the checkpoint, what changed since the last run, what each record
last pushed, the opportunities seen and the contacts they belong to, and the erasures still to
take to the CRM.

Changes are marked per ten minutes in `CHANGE_SHARDS` items (`changed#<bucket>#<n>`, string sets
of profiles and contacts), so the score stage marks a whole transaction with one more action and
a run reads only the buckets since the last one, whatever the number of contacts. An item holds
about 20,000 profile ids within DynamoDB's 400 KB: 16 shards of a ten-minute bucket take about
1.9 million distinct changed profiles an hour. A window's buckets are deleted once crm_sync has
taken it (`consumed`): only the buckets of the window still open are kept.

An erasure leaves no item naming the person (`forget`): what crm_sync pushed for the contact, the
hot-lead task and complaint cases of each erased identity (the cases found through the
`cases#<profile>` item that lists them as they land), and their marks in the buckets kept. The
opportunities crm_sync has seen keep their contacts' CRM ids, as the CRM itself does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from socialscore.aws import clients
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.record_key import Erasures, Landing, Pushed, RecordKey
from socialscore.store import dynamo, opportunities, run_lease
from socialscore.store.sync_keys import item_key

CHANGE_SHARDS = 16
_BUCKET = timedelta(minutes=10)
# Pending erasures, by the hash of each id in `PENDING_SHARDS` items (`pending#erased#<n>`), so
# they are never one item's 400 KB (https://docs.aws.amazon.com/amazondynamodb/latest/
# developerguide/ServiceQuotas.html#limits-items): about 20,000 ids an item, 300,000 at once. The
# item of a release before (`pending#erased`, all in one) is moved into them when read.
PENDING_SHARDS = 16
_PENDING_ERASURES = "pending#erased"
# The run's cursors besides the CRM's checkpoint (pipeline.crm_cursors), one `run#` item each.
_CURSORS = ("last_run", "marks_until", "marks_after", "decay_day", "decay_pass", "decay_cursor")
_PUSHED = frozenset({"key", "digest", "parts"})  # a push record's own; the rest it kept
# The attribution job reads the marks too (store.journey_state): buckets from this item's time
# on are kept for it, and it deletes them once it has folded them.
JOURNEYS_HOLD = "run#journeys"


def change_key(at: datetime, members: Iterable[str]) -> str:
    seed = "".join(sorted(members))
    shard = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % CHANGE_SHARDS
    return f"changed#{_bucket(at)}#{shard}"


def _bucket(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:") + f"{at.minute // 10}0"


def change_update(table: str, at: datetime, profiles: set[str]) -> dict[str, Any]:
    """The UpdateItem that marks these profiles changed at `at` (for a transaction)."""
    return {
        "TableName": table,
        "Key": {"key": {"S": change_key(at, profiles)}},
        "UpdateExpression": "ADD #p :p",
        "ExpressionAttributeNames": {"#p": "profiles"},
        "ExpressionAttributeValues": {":p": {"SS": sorted(profiles)}},
    }


class SyncState:
    def __init__(self, table: str) -> None:
        self._table = table
        self._first = False  # no run before this one: no opportunity item is out of the index

    # --- marks, from the score and resolve stages ---------------------------------------------
    def mark_changed(
        self, at: datetime, profiles: Iterable[str] = (), contacts: Iterable[str] = ()
    ) -> None:
        names = {"profiles": set(profiles), "contacts": set(contacts)}
        members = {f"{k}:{v}" for k, values in names.items() for v in values}
        if members:
            self._add(change_key(at, members), {k: v for k, v in names.items() if v})

    def mark_erased(self, contacts: Iterable[str], profiles: Iterable[str] = ()) -> None:
        for key, sets in pending_shards(contacts, profiles).items():
            self._add(key, sets)

    # --- reads, for crm_sync -------------------------------------------------------------------
    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]:
        """(profiles, contacts) marked changed from since's bucket to until's, both included."""
        items = dynamo.batch_get(self._table, "key", _buckets(since, until, last=True)).values()
        profiles = {p for i in items for p in i.get("profiles", ())}
        contacts = {c for i in items for c in i.get("contacts", ())}
        return profiles, contacts

    def pending(self) -> Erasures:
        """The contacts and profiles erased and not yet taken to the CRM and forgotten here."""
        keys = [_PENDING_ERASURES] + [f"{_PENDING_ERASURES}#{n}" for n in range(PENDING_SHARDS)]
        found = dynamo.batch_get(self._table, "key", keys)
        contacts = {c for i in found.values() for c in i.get("contacts", ())}
        profiles = {p for i in found.values() for p in i.get("profiles", ())}
        if (old := found.get(_PENDING_ERASURES)) is not None:  # moved, then deleted
            self.mark_erased(old.get("contacts", ()), old.get("profiles", ()))
            dynamo.batch_write(self._table, [{"DeleteRequest": {"Key": _key(_PENDING_ERASURES)}}])
        return Erasures(contacts, profiles)

    def done(self, erased: Iterable[str], profiles: Iterable[str] = ()) -> None:
        """Forget the erasures the CRM took, and the profiles forgotten (erased again
        meanwhile: still gone)."""
        for key, sets in pending_shards(erased, profiles).items():
            self._delete(key, sets)

    def bookmarks(self, crm: str) -> dict[str, str]:
        """What a run reads back of the last ones, in one read: its cursors (crm_cursors) and
        this CRM's `checkpoint#<crm>`."""
        keys = [item_key("run", name) for name in (*_CURSORS, f"checkpoint#{crm}")]
        found = dynamo.batch_get(self._table, "key", keys)
        self._first = item_key("run", "last_run") not in found
        return {k.removeprefix(item_key("run", "")): str(v["value"]) for k, v in found.items()}

    def opportunities(self, ids: Iterable[str]) -> list[Opportunity]:
        """Consistent: a run's slice saves each opportunity it attributes whole, so one read as
        an earlier slice left it a moment before must not be read as it was before that."""
        keys = [item_key("opportunity", i) for i in set(ids)]
        found = dynamo.batch_get(self._table, "key", keys, consistent=True) if keys else {}
        return [Opportunity.model_validate_json(i["opportunity"]) for i in found.values()]

    def every_opportunity(self) -> list[Opportunity]:
        """Every opportunity crm_sync has seen (the attribution job's deals): one Query of the
        by_created index once every opportunity item is in it, else store.opportunities'
        filtered scan, which walks the bucket tally's item per profile too."""
        kept = opportunities.Opportunities(self._table)
        found = kept.created(None, None) if kept.indexed() else kept.every()
        return [r.opportunity for r in found]

    def opportunities_of(self, contacts: Iterable[str]) -> set[str]:
        keys = [item_key("contact", c) for c in set(contacts)]
        found = dynamo.batch_get(self._table, "key", keys) if keys else {}
        return {o for item in found.values() for o in item.get("opportunities", ())}

    def pushed(self, keys: Iterable[RecordKey]) -> dict[RecordKey, Pushed]:
        """What each record's last successful push carried, and what it kept for later runs
        (crm_carry: each its own attribute, none when nothing)."""
        wanted = {item_key("pushed", str(k)): k for k in keys}
        found = dynamo.batch_get(self._table, "key", list(wanted))
        return {
            wanted[k]: Pushed(
                str(v["digest"]),
                json.loads(v["parts"]),
                {a: str(x) for a, x in v.items() if a not in _PUSHED},
            )
            for k, v in found.items()
        }

    # --- writes, after a run ---------------------------------------------------------------------
    def save(self, landing: Landing, seen: list[Opportunity], bookmarks: dict[str, str]) -> None:
        """Record what was pushed (record key -> digest, the breakdown keys it holds, and what
        it kept that a later run takes from here instead of deriving it again: empty for
        nothing), the complaint cases among them by profile (for an erasure to find) and the
        opportunities seen and attributed (store.opportunities: with the splits the slice
        pushed), then move the bookmarks: last, so a failure before leaves them. The lists that
        point at records (a profile's cases, a contact's opportunities) go first: a run that
        fails after them pushes the same records again and adds nothing new, where one that
        failed after the digests would have left a case no erasure finds. A run that fails
        between its push and this save leaves the splits of the run before beside the CRM's
        newer ones until the next run, which reads the same window and attributes them again."""
        splits = {r.opportunity.id: r for r in landing.attributed}
        kept = [opportunities.item(o, None) for o in seen if o.id not in splits]
        kept += [opportunities.item(r.opportunity, r.attributed) for r in splits.values()]
        items = [
            {
                **p.kept,
                "key": item_key("pushed", str(k)),
                "digest": p.digest,
                "parts": json.dumps(p.parts),
            }
            for k, p in landing.pushed.items()
        ] + kept
        for profile, keys in sorted(landing.cases.items()):
            self._add(item_key("cases", profile), {"keys": {str(k) for k in keys}})
        for o in seen:  # one attributed again was seen before: its contacts list it already
            for contact in o.contact_ids:
                self._add(item_key("contact", contact), {"opportunities": {o.id}})
        dynamo.batch_write(
            self._table, [{"PutRequest": {"Item": dynamo.to_item(i)}} for i in items]
        )
        moved = [{"key": item_key("run", k), "value": v} for k, v in bookmarks.items()]
        if self._first and moved:  # a stack's first run: no opportunity item is out of the index
            moved.append(opportunities.MARKER)
            self._first = False
        dynamo.batch_write(
            self._table, [{"PutRequest": {"Item": dynamo.to_item(i)}} for i in moved]
        )

    # --- the run lease (run_lease) ----------------------------------------------------------------
    def take_lease(self, owner: str, now: datetime, until: datetime) -> datetime | None:
        return run_lease.take(self._table, owner, now, until)

    def release_lease(self, owner: str) -> None:
        run_lease.release(self._table, owner)

    def consumed(self, since: datetime, until: datetime) -> None:
        """A change window taken: its buckets before until's are deleted (until's may still
        take marks, and the next window reads it). Those that exist, found by key alone: most
        of a long window's shards were never written."""
        keys = _buckets(since, until, last=False)
        wanted = [*keys, JOURNEYS_HOLD]
        found = (
            dynamo.batch_get(self._table, "key", wanted, attributes=["key", "value"])
            if keys
            else {}
        )
        if (hold := found.pop(JOURNEYS_HOLD, None)) is not None:
            kept = _bucket(datetime.fromisoformat(hold["value"]))
            found = {k: v for k, v in found.items() if k.split("#")[1] < kept}
        requests = [{"DeleteRequest": {"Key": _key(k)}} for k in sorted(found)]
        dynamo.batch_write(self._table, requests)

    def forget(self, erased: Erasures, since: datetime | None, until: datetime) -> None:
        """Delete what names these erased contacts and profiles: what was pushed for them (the
        contacts' scores, the profiles' hot-lead tasks, activities and complaint cases) and
        their marks in the change buckets kept, from since's (the window crm_sync has not
        taken; None: every bucket before a first run is kept unread) to until's."""
        contacts, profiles = erased
        indexes = [item_key("cases", p) for p in sorted(profiles)]
        cases = dynamo.batch_get(self._table, "key", indexes) if indexes else {}
        keys = [item_key("pushed", str(rk.contact(c))) for c in sorted(contacts)]
        keys += [item_key("pushed", str(rk.hot(p))) for p in sorted(profiles)]
        keys += [item_key("pushed", str(rk.activities(p))) for p in sorted(profiles)]
        keys += [item_key("pushed", k) for item in cases.values() for k in sorted(item["keys"])]
        keys += indexes
        dynamo.batch_write(self._table, [{"DeleteRequest": {"Key": _key(k)}} for k in keys])
        if since is None:
            return
        buckets = dynamo.batch_get(self._table, "key", _buckets(since, until, last=True))
        for key, item in sorted(buckets.items()):
            named = {
                "profiles": profiles & set(item.get("profiles", ())),
                "contacts": contacts & set(item.get("contacts", ())),
            }
            if any(named.values()):
                self._delete(key, {k: v for k, v in named.items() if v})

    def _add(self, key: str, sets: dict[str, set[str]]) -> None:
        self._update("ADD", key, sets)

    def _delete(self, key: str, sets: dict[str, set[str]]) -> None:
        self._update("DELETE", key, sets)

    def _update(self, action: str, key: str, sets: dict[str, set[str]]) -> None:
        names = {f"#n{n}": name for n, name in enumerate(sets)}
        values = {f":v{n}": {"SS": sorted(v)} for n, v in enumerate(sets.values())}
        clients.client("dynamodb").update_item(
            TableName=self._table,
            Key=_key(key),
            UpdateExpression=f"{action} " + ", ".join(f"#n{n} :v{n}" for n in range(len(sets))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )


def pending_shards(
    contacts: Iterable[str], profiles: Iterable[str]
) -> dict[str, dict[str, set[str]]]:
    """The pending erasures' items these ids are in, with the ids of each by attribute."""
    shards: dict[str, dict[str, set[str]]] = {}
    for name, ids in (("contacts", contacts), ("profiles", profiles)):
        for i in ids:
            shard = int(hashlib.sha256(i.encode()).hexdigest(), 16) % PENDING_SHARDS
            shards.setdefault(f"{_PENDING_ERASURES}#{shard}", {}).setdefault(name, set()).add(i)
    return shards


def _key(key: str) -> dict[str, Any]:
    return {"key": {"S": key}}


def change_buckets(since: datetime, until: datetime) -> list[str]:
    """The change buckets' keys from since's bucket to before until's."""
    return _buckets(since, until, last=False)


def _buckets(since: datetime, until: datetime, last: bool) -> list[str]:
    """The change buckets' keys (every shard) from since's bucket to until's, included when
    `last`."""
    keys = []
    bucket = since.replace(minute=since.minute // 10 * 10, second=0, microsecond=0)
    end = until if last else until.replace(minute=until.minute // 10 * 10, second=0, microsecond=0)
    while bucket < end or (last and bucket == end):
        keys += [f"changed#{_bucket(bucket)}#{n}" for n in range(CHANGE_SHARDS)]
        bucket += _BUCKET
    return keys
