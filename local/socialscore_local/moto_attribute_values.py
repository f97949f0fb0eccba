"""A plain DynamoDB AttributeValue read member by member, as moto's generic parser and serializer
both do it through the shape (two handler look-ups, or six alias rules, a member): one walk.

Both give a plain value's members in the shape's order, None members left out, strings,
numbers, booleans and nulls as they are, sets of strings or numbers as a new list, maps and
lists member by member. Anything else (binary values, which moto decodes or base64s; a None
entry in a map or list, which its parser and serializer treat differently; an unexpected key or
type) is left to moto's own: None here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Members kept as they are: (member, the type it then holds).
_AS_THEY_ARE = frozenset({("S", str), ("N", str), ("BOOL", bool), ("NULL", bool)})
_TEXT_SETS = frozenset({"SS", "NS"})


def plain(value: Any, members: tuple[str, ...], new_map: Callable[[], Any] = dict) -> Any:
    """The value read as moto reads it (a `new_map()` of its members); None where only moto's own
    parser or serializer would do."""
    if type(value) is not dict or not value.keys() <= set(members):
        return None  # moto's alias rules could pick another key: its own code decides
    read = new_map()
    for member in members:
        element = value.get(member)
        if element is None:
            continue  # moto leaves a None member out
        if (member, type(element)) in _AS_THEY_ARE:
            read[member] = element
        elif member in _TEXT_SETS and type(element) is list:
            if not all(type(one) is str for one in element):
                return None
            read[member] = list(element)
        elif member == "M" and type(element) is dict:
            entries = new_map()
            for name, entry in element.items():
                if (inner := plain(entry, members, new_map)) is None:
                    return None
                entries[name] = inner
            read[member] = entries
        elif member == "L" and type(element) is list:
            listed = []
            for entry in element:
                if (inner := plain(entry, members, new_map)) is None:
                    return None
                listed.append(inner)
            read[member] = listed
        else:
            return None
    return read
