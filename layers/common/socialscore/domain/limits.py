"""What the stores can hold, checked on a message before any stage writes it, and the refusal a
store answers when something gets past the check.

DynamoDB refuses a whole request (a batch write, a transaction) when one key in it is too long,
so a message that could not be stored would take its batch-mates down with it. Every identifier
a message carries that ends up in a key (a post key or id, an interaction id, an identity, a
contact id, an author id) is therefore held to `KEY_PART_MAX_BYTES` by the message models: a
message over it is poison at parse time, failed alone with the field named, at every stage and
already at ingest. The limits count UTF-8 bytes, not characters. What no message check can
foresee (a seller id from the registry, an item over 400 KB) the store answers with `Refused`,
and the score stage splits its batch down to the message at fault.
"""

from __future__ import annotations

PARTITION_KEY_MAX_BYTES = 2048
SORT_KEY_MAX_BYTES = 1024
# What the stores add around an identifier is at most `once#comment#facebook#` (22 bytes, the
# ledger's sort key of a once-only act): this leaves room for that under the sort key limit,
# with a margin for a longer kind or network name.
KEY_PART_MAX_BYTES = SORT_KEY_MAX_BYTES - 64


def key_part(value: str) -> str:
    """A validator: the value fits in a DynamoDB key with whatever a store adds to it."""
    # surrogatepass: a lone surrogate is refused elsewhere (SQS cannot carry it), not here.
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > KEY_PART_MAX_BYTES:
        raise ValueError(
            f"is {size:,} bytes: part of a DynamoDB key, it may take {KEY_PART_MAX_BYTES:,}"
        )
    return value


class Refused(Exception):
    """A store refused a request for what it holds (a key or an item over DynamoDB's limits):
    the same request fails every time, but one without the message at fault can pass.

    `reason` is the store's own words (which limit, which key), never a value from the request:
    it is what the log says about the message that goes to the DLQ.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
