"""The contacts' ranking in the scores table: its item keys and the marker that says it is whole.

- `contact#<contact id>`: `units` and `touches`, the sum of the organic profile items of every
  identity linked to that contact now, and `rank` = `contacts#<n>` (n from the contact id, one of
  RANK_SHARDS values), so the `by_units` index ranks contacts under their own 16 keys beside the
  identities' `organic#<n>`. It exists while its count (`touches`) is above 0.
- An organic profile item of a linked identity holds `contact` = that contact id; a linked
  identity without organic counters keeps a stub `{pk, contact}` (no rank: in no index).
- `stat#contact_ranking`: `ready` = true once `socialscore rebuild` has set every contact item
  and every `contact` attribute from the links; until then `top` reads as before it existed.
  While a rebuild runs it holds `rebuilding` instead (and no `ready`).

Only this module and store.scores know these keys (bench/scale_seed.py writes them through it).
The identities' ranking keys (`organic#<n>`, `paid#<n>`) are built here too: one spreading rule.
"""

from __future__ import annotations

import hashlib

CONTACT = "contact"  # an organic profile item's attribute: its identity's contact id
CONTACT_RANK = "contacts"  # the `by_units` keys of the contact items: contacts#<n>
READY = "stat#contact_ranking"  # the marker item; its `ready` attribute is true when whole
# The marker's attribute while `socialscore rebuild` rewrites the ranking: link syncs stand aside
# (store.contact_sync), and the rebuild syncs the links written meanwhile once it has ended.
RANKING_REBUILDING = "rebuilding"
_CONTACT_ITEM = "contact#"
# Each ranked write is also a write of `by_units`; a partition of an index takes about 1,000
# writes a second (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
# bp-partition-key-design.html), so the ranked items are spread over 16 keys a ranking and a
# top-N read asks each for its N best.
RANK_SHARDS = 16


def rank_key(ranking: str, name: str) -> str:
    """The `by_units` key of an item of a ranking (`organic`, `paid`, `contacts`): the ranking
    and a shard from the name (a profile, a contact id)."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{ranking}#{int(digest, 16) % RANK_SHARDS}"


def contact_key(contact_id: str) -> str:
    """The key (`pk`) of a contact's item."""
    return f"{_CONTACT_ITEM}{contact_id}"


def contact_of_key(pk: str) -> str:
    """The contact id of a contact item's key."""
    return pk.removeprefix(_CONTACT_ITEM)


def contact_rank(contact_id: str) -> str:
    """A contact item's `by_units` key, `contacts#<n>`."""
    return rank_key(CONTACT_RANK, contact_id)
