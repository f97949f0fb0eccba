"""Deals changed since a checkpoint, with their contacts, as domain opportunities.

The CRM search API sorts by `hs_lastmodifieddate` and pages by offset (`after`), up to 10,000
results a query. Offsets over a live sort are unsafe: a deal modified while we page moves to the
end, every deal behind it moves up one place, and the one at the next page's first offset is
never read (a later checkpoint then hides it for good). So every page re-anchors the window at
the last timestamp read (`GTE` it, from offset 0): a deal that moves only moves behind the
anchor, and no offset ever nears the 10,000 cap. The deals that share the anchor's millisecond
are read again (one per page, typically) and deduplicated by id. When a whole page shares one
millisecond (a bulk import), that instant is read apart, sorted and keyed by `hs_object_id`.

The search index lags writes ("it may take a few moments for newly created or updated objects
to appear in search results", developers.hubspot.com/docs/api/crm/search), and not by the same
moment for every record: a deal modified before the newest one a run read may be indexed only
after the run, below the checkpoint that run saved. So every read starts `OVERLAP` before the
checkpoint: a deal indexed up to five minutes late is still read. The deals read twice are
those changed in the five minutes before the checkpoint; their records are unchanged, and
crm_sync's digests push nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from socialscore.aws.batch import chunks
from socialscore.aws.logs import logger
from socialscore.crm.base import CrmStopped
from socialscore.crm.hubspot_http import HubSpotApi, category
from socialscore.domain.opportunity import Opportunity

PAGE = 100  # results a search page, ids a batch read
# How far before the checkpoint a read starts. HubSpot states no bound on its index lag
# ("a few moments"); five minutes is far beyond it and costs only re-reading those minutes.
OVERLAP = timedelta(minutes=5)
MODIFIED = "hs_lastmodifieddate"
OBJECT_ID = "hs_object_id"
DEAL_PROPERTIES = ["amount", "deal_currency_code", "createdate", MODIFIED, "dealstage"]
SEARCH_PATH = "/crm/v3/objects/deals/search"


@dataclass(frozen=True)
class Searched:
    """An object type read by its modification time: its search path, the properties read,
    and the property holding its last modification."""

    path: str
    properties: list[str]
    modified: str


DEALS = Searched(SEARCH_PATH, DEAL_PROPERTIES, MODIFIED)


def changed_deals(api: HubSpotApi, since: datetime | None) -> list[dict[str, Any]]:
    """Every deal modified at or after `since` - OVERLAP (all when None), oldest change first,
    once."""
    return changed(api, since, DEALS)


def changed(
    api: HubSpotApi,
    since: datetime | None,
    what: Searched,
    overlap: timedelta = OVERLAP,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Every record of `what` modified at or after `since` - `overlap` (all when None), oldest
    change first, once; with a `limit`, the pages stop once that many are read (a caller that
    reads the rest later starts after the last one)."""
    seen: dict[str, dict[str, Any]] = {}
    bound = None if since is None else int((since - overlap).timestamp() * 1000)
    operator = "GTE"
    while True:
        filters = [] if bound is None else [_filter(what.modified, operator, bound)]
        page = _search(api, filters, what.modified, what)
        results = page.get("results") or []
        for deal in results:
            seen[str(deal["id"])] = deal  # a later sighting carries the later change
        if not results or not _more(page) or (limit is not None and len(seen) >= limit):
            break
        last = _modified_ms(results[-1], what.modified)
        if bound is not None and last == bound:
            # A full page within one millisecond: read that instant by id, then go past it.
            _read_instant(api, bound, seen, what)
            operator = "GT"
        else:
            bound, operator = last, "GTE"
    return sorted(seen.values(), key=lambda d: (_modified_ms(d, what.modified), int(d["id"])))


def _read_instant(
    api: HubSpotApi, instant: int, seen: dict[str, dict[str, Any]], what: Searched
) -> None:
    after_id: int | None = None
    while True:
        filters = [_filter(what.modified, "EQ", instant)]
        if after_id is not None:
            filters.append(_filter(OBJECT_ID, "GT", after_id))
        page = _search(api, filters, OBJECT_ID, what)
        results = page.get("results") or []
        for deal in results:
            seen[str(deal["id"])] = deal
        if not results or not _more(page):
            return
        after_id = int(results[-1]["id"])


def _search(
    api: HubSpotApi, filters: list[dict[str, str]], sort: str, what: Searched
) -> dict[str, Any]:
    body = {
        "filterGroups": [{"filters": filters}] if filters else [],
        "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
        "properties": what.properties,
        "limit": PAGE,
        "after": "0",  # each page re-anchors its filter, so it always starts at the first result
    }
    answer = api.call("POST", what.path, body)
    if answer.status != 200 or not isinstance(answer.document, dict):
        logger().error(
            "HubSpot search refused",
            extra={"status": answer.status, "category": answer.category, "path": what.path},
        )
        raise CrmStopped(f"search_http_{answer.status}")
    return answer.document


def _filter(name: str, operator: str, value: int) -> dict[str, str]:
    return {"propertyName": name, "operator": operator, "value": str(value)}


def _more(page: dict[str, Any]) -> bool:
    return bool(((page.get("paging") or {}).get("next") or {}).get("after"))


def _modified_ms(record: dict[str, Any], modified: str = MODIFIED) -> int:
    return int(_moment(record, modified, "updatedAt").timestamp() * 1000)


def contacts_of(api: HubSpotApi, deal_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each deal's contact ids. Raises CrmStopped when HubSpot refuses the read."""
    links, refusal = associated(api, "deals", "contacts", deal_ids)
    if refusal is not None:
        raise CrmStopped(f"associations_{refusal}")
    return links


def associated(
    api: HubSpotApi, source: str, target: str, ids: Sequence[str]
) -> tuple[dict[str, list[str]], str | None]:
    """Each record's associated `target` ids, through the v4 association batch read: 100 records
    a call, and a record with more than one answer holds is asked again from its `after`.
    (links, None), or ({}, `http_<status>:<category>`) when HubSpot refuses a read."""
    links: dict[str, list[str]] = {record: [] for record in ids}
    pending: list[dict[str, str]] = [{"id": record} for record in ids]
    path = f"/crm/v4/associations/{source}/{target}/batch/read"
    while pending:
        more: list[dict[str, str]] = []
        for chunk in chunks(pending, PAGE):
            answer = api.call("POST", path, {"inputs": chunk})
            if answer.status not in (200, 207) or not isinstance(answer.document, dict):
                logger().error(
                    "HubSpot association read refused",
                    extra={"status": answer.status, "category": answer.category, "to": target},
                )
                return {}, f"http_{answer.status}:{answer.category}"
            for result in answer.document.get("results") or []:
                record = str(result["from"]["id"])
                links.setdefault(record, []).extend(str(t["toObjectId"]) for t in result["to"])
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    more.append({"id": record, "after": str(after)})
            for error in answer.document.get("errors") or []:
                # A record without associations is reported as an error: it simply has none.
                if "NO_ASSOCIATIONS_FOUND" not in category(error):
                    logger().warning(
                        "HubSpot association read error", extra={"category": category(error)}
                    )
        pending = more
    return {record: list(dict.fromkeys(found)) for record, found in links.items()}, None


def to_opportunity(
    deal: dict[str, Any], contact_ids: list[str], company_currency: Callable[[], str]
) -> Opportunity:
    properties = deal.get("properties") or {}
    currency = str(properties.get("deal_currency_code") or "").strip().upper()
    return Opportunity(
        id=str(deal["id"]),
        contact_ids=contact_ids,
        amount=_amount(str(deal["id"]), properties.get("amount")),
        # Without a deal currency (single-currency accounts), a deal is in the company's.
        currency=currency if len(currency) == 3 else company_currency(),
        created_at=_moment(deal, "createdate", "createdAt"),
        modified_at=_moment(deal, MODIFIED, "updatedAt"),
        stage=str(properties.get("dealstage") or ""),
    )


def _amount(deal_id: str, raw: Any) -> Decimal:
    """The deal's amount as HubSpot holds it (Opportunity rounds it to its currency's minor unit
    by the one rule, domain.money); absent, unreadable or negative (nothing to credit): 0."""
    if raw in (None, ""):
        return Decimal(0)
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        logger().warning("HubSpot deal amount unreadable: 0", extra={"deal_id": deal_id})
        return Decimal(0)
    return amount if amount.is_finite() and amount > 0 else Decimal(0)


def _moment(deal: dict[str, Any], name: str, fallback: str) -> datetime:
    """A datetime property: ISO 8601 in search answers (epoch millis in some other APIs)."""
    raw = (deal.get("properties") or {}).get(name) or deal.get(fallback)
    text = str(raw)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
