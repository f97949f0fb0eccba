"""The opportunities crm_sync has seen, in its sync-state table: one small item each
(`opportunity#<id>`), the opportunity and its splits by dimension as the run that last attributed
it worked them out (domain.attributed), written in the same save as what it pushed.

A period's opportunities are read from the table's sparse `by_created` index (template.yaml):
every opportunity item, and nothing else of the table, carries its partition (`opened`, one
value) and its creation moment (`created`, fixed-width UTC so its order is time's), so a period
is one Query of a key range and all time one Query, whatever the table's other items (the
bucket tally's item per profile, the pushes) number
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.sparse).

Items a release before wrote have neither: until `opportunities#indexed` says every opportunity
item carries them (written by a stack's first crm_sync run, when none can be missing, and by
`socialscore rebuild` once it has set them on all), readers scan the table instead."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from socialscore.aws import clients
from socialscore.aws.logs import logger
from socialscore.domain.attributed import Attributed, Recorded
from socialscore.domain.opportunity import Opportunity
from socialscore.store import dynamo
from socialscore.store.sync_keys import item_key

INDEX = "by_created"
OPENED = "opportunity"  # the index's one partition key value
INDEXED = "opportunities#indexed"
MARKER = {"key": INDEXED}
_PREFIX = item_key("opportunity", "")
# An item is at most 400 KB, names and values (docs.aws.amazon.com/amazondynamodb/latest/
# developerguide/ServiceQuotas.html#limits-items), and one over it fails the whole BatchWriteItem
# it is in: the save of a slice, run after run. Splits take ~60 bytes a post a model (six models
# over ~1,100 posts in the window reach it): above this, the opportunity is kept without them,
# and read from its journey, leaving room for the opportunity itself.
KEPT_BYTES = 300_000


def created_key(moment: datetime) -> str:
    """`2026-11-03T09:30:00.000000Z`: one width, so the strings sort as the moments."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fits(opp: Opportunity, splits: str) -> bool:
    """Whether these splits (their JSON) are kept with the opportunity (KEPT_BYTES); logged
    when not."""
    size = len(splits.encode())
    if size <= KEPT_BYTES:
        return True
    logger().warning(
        "opportunity splits not kept: read from its journey",
        extra={"reason": "item size", "opportunity": opp.id, "bytes": size},
    )
    return False


def item(opp: Opportunity, attributed: Attributed | None) -> dict[str, Any]:
    """The opportunity's item, in the index, with its splits when it has them and they fit."""
    out = {
        "key": item_key("opportunity", opp.id),
        "opportunity": opp.model_dump_json(),
        "opened": OPENED,
        "created": created_key(opp.created_at),
    }
    if attributed is None or not fits(opp, text := attributed.model_dump_json()):
        return out
    return out | {"attribution": text, "under": attributed.rules}


def recorded(found: dict[str, Any]) -> Recorded:
    opp = Opportunity.model_validate_json(found["opportunity"])
    return Recorded(opportunity=opp, attributed=_splits(opp, found.get("attribution")))


def _splits(opp: Opportunity, kept: str | None) -> Attributed | None:
    """The splits kept, None when there are none or they do not read (written by another
    release, say, before a roll-back): that opportunity is read from its journey, and the
    period's others as kept. Logged."""
    if not kept:
        return None
    try:
        return Attributed.model_validate_json(kept)
    except ValidationError as err:
        logger().warning(
            "opportunity splits unreadable: read from its journey",
            extra={"reason": f"{err.error_count()} invalid fields", "opportunity": opp.id},
        )
        return None


class Opportunities:
    def __init__(self, table: str) -> None:
        self._table = table

    def indexed(self) -> bool:
        """Whether the index holds every opportunity item (one read)."""
        return bool(dynamo.batch_get(self._table, "key", [INDEXED]))

    def mark_indexed(self) -> None:
        dynamo.batch_write(self._table, [{"PutRequest": {"Item": dynamo.to_item(MARKER)}}])

    def created(self, since: datetime | None, until: datetime | None) -> Iterator[Recorded]:
        """The opportunities created from `since` to before `until` (None: unbounded), from
        the index, a page (1 MB) read at a time as they are asked for: reads follow these
        opportunities' items alone."""
        values: dict[str, Any] = {":o": {"S": OPENED}}
        condition = "#o = :o"
        if since is not None and until is not None:
            condition += " AND #c BETWEEN :a AND :b"  # both ends in: `until`'s own cut below
            values |= {":a": {"S": created_key(since)}, ":b": {"S": created_key(until)}}
        elif since is not None:
            condition += " AND #c >= :a"
            values[":a"] = {"S": created_key(since)}
        elif until is not None:
            condition += " AND #c < :b"
            values[":b"] = {"S": created_key(until)}
        names = {"#o": "opened"} | ({"#c": "created"} if "#c" in condition else {})
        pages = dynamo.query(
            TableName=self._table,
            IndexName=INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        for page in pages:
            for found in page:
                r = recorded(found)
                if until is None or r.opportunity.created_at < until:
                    yield r

    def keep(self, opp: Opportunity, splits: Attributed) -> bool:
        """Put the opportunity with these splits unless crm_sync kept some under the same rules
        meanwhile (newer: a run writes what it pushed, whatever was there): False then."""
        try:
            clients.client("dynamodb").put_item(
                TableName=self._table,
                Item=dynamo.to_item(item(opp, splits)),
                ConditionExpression="attribute_not_exists(#u) OR #u <> :u",
                ExpressionAttributeNames={"#u": "under"},
                ExpressionAttributeValues={":u": {"S": splits.rules}},
            )
        except clients.client("dynamodb").exceptions.ConditionalCheckFailedException:
            return False
        return True

    def every(self) -> list[Recorded]:
        """Every opportunity item, by a scan that DynamoDB filters to them (the table's other
        items read and billed, never sent back: docs.aws.amazon.com/amazondynamodb/latest/
        developerguide/Scan.html#Scan.FilterExpression): the readers' way until `indexed`."""
        return [
            recorded(i)
            for i in dynamo.scan(
                self._table,
                FilterExpression="begins_with(#k, :kind)",
                ExpressionAttributeNames={"#k": "key"},
                ExpressionAttributeValues={":kind": {"S": _PREFIX}},
            )
        ]
