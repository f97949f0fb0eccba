"""moto's DynamoDB items built and copied without its per-value overheads: the same items.

moto (5.2) copies every item it returns (Query, Scan, GetItem, BatchGetItem) and every item an
update reads, and builds an item for every write; on the ops tests' rebuilds these were a
fifth of moto's time:
- an item's copy deep-copies each of its values through `copy.deepcopy`'s generic dispatch,
  even a string's or a number's (whose copy is a new DynamoType holding the same value);
- an item built from its attributes checks the 400 KB limit before each attribute by summing
  the sizes of all the attributes set so far: n attributes, n^2/2 sizes; and each value's size
  (a Scan or Query sums them for every item, against its 1 MB page) asks four type questions
  before a number's or a string's.
Here a string, number, binary, boolean or null value (and a set of them: a new list of the same
values) is copied directly, as DynamoType.__deepcopy__ does, keeping its place in the copy's
memo; lists and maps still go through copy.deepcopy. An item being built keeps the running sum
of the sizes it has set (the same sizes, nothing else can change them while it is built) and
refuses an attribute past the limit exactly where moto would; a number's or a string's size is
computed directly, as moto's (any other value's by moto), and so is its form in an answer.
"""

from __future__ import annotations

import copy
from typing import Any

_AS_IS = frozenset({"S", "N", "B", "BOOL", "NULL"})  # immutable values: copied by reference
_SETS = frozenset({"SS", "NS", "BS"})  # a list of immutable values: copied as a new list
_LIMIT = 405000  # LimitedSizeDict's: moto's item size limit, in bytes


def install() -> None:
    """Once a process: moto_costs' _fixed_once."""
    from moto.dynamodb.models.dynamo_type import Item

    _copied_directly(Item)
    _sized_as_built(Item)
    _plain_values_sized_directly()
    _plain_values_answered_directly()


def _copied_directly(item_type: Any) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

    def one(value: Any, memo: dict[int, Any]) -> Any:
        """copy.deepcopy(value, memo) for a DynamoType (None stays None)."""
        kind = value.type if type(value) is DynamoType else None
        if kind not in _AS_IS and kind not in _SETS:
            return None if value is None else copy.deepcopy(value, memo)
        copied = memo.get(id(value))
        if copied is None:
            copied = memo[id(value)] = DynamoType.__new__(DynamoType)
            copied.type = kind
            copied.value = value.value if kind in _AS_IS else list(value.value)
        return copied

    def deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        if id(self) in memo:
            return memo[id(self)]
        result = item_type.__new__(type(self))
        memo[id(self)] = result
        result.hash_key = one(self.hash_key, memo)
        result.range_key = one(self.range_key, memo)
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs)
        for key, value in self.attrs.items():
            dict.__setitem__(attrs, key, one(value, memo))
        result.attrs = attrs
        return result

    item_type.__deepcopy__ = deepcopy


def _sized_as_built(item_type: Any) -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        self.attrs = LimitedSizeDict()
        total = 0
        for key, value in attrs.items():
            typed = DynamoType(value)
            size = bytesize(key) + typed.size()
            if total + size > _LIMIT:
                raise ItemSizeTooLarge
            dict.__setitem__(self.attrs, key, typed)
            total += size

    item_type.__init__ = init


def _plain_values_sized_directly() -> None:
    """A value's size (summed for every item a Scan or Query returns, against the 1 MB page,
    and for every attribute an update sets, against the item limit) asks four type questions
    before a number's or a string's: a number's is the length of its text and a string's that of
    its UTF-8 bytes, as moto's own; any other value is sized by moto."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    sized = DynamoType.size

    def size(self: Any) -> int:
        kind, value = self.type, self.value
        if kind == "N":
            return len(str(value))
        if kind == "S" and type(value) is str:
            return len(value.encode("utf-8"))
        return sized(self)

    DynamoType.size = size  # type: ignore[method-assign]


def _plain_values_answered_directly() -> None:
    """Every answer's items go through dynamo_to_dict before they are serialized: a recursion
    that asks each value and each of its texts six questions (datetime? DynamoType? to_json?
    dict? list?) to return a text as it is. A text, number, boolean or None is returned as it
    is, and a string's or a number's DynamoType as {type: its text}, as moto's own does; any
    other value goes through moto's."""
    from moto.dynamodb import responses
    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import DynamoType

    generic = utilities.dynamo_to_dict
    as_is = (str, int, float, bool, type(None))

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind in as_is:
            return obj
        if kind is DynamoType and obj.type in ("S", "N") and type(obj.value) is str:
            return {obj.type: obj.value}
        return generic(obj)

    utilities.dynamo_to_dict = dynamo_to_dict  # moto's recursion looks it up here
    responses.dynamo_to_dict = dynamo_to_dict  # type: ignore[attr-defined]
