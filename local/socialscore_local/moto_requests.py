"""What moto repeats on every request of any service whose result never changes: same answers.

Sampled on the demo's DynamoDB calls replayed on moto (5.2) with the other fixes in:
- every request lists its handler class's methods through `inspect.getmembers` (~200 members
  sorted, each tested) to check the action is one: 3 % of moto's time. The class's functions
  do not change while it runs (the fixes here replace methods under the same names, before any
  request), so the list is made once per class;
- every error of a JSON service (DynamoDB's refusals, and the ones moto raises and catches
  itself: an ADD to an attribute not there yet raises one) first renders an XML body with
  xmltodict, then replaces it with its JSON body and content type: 3.5 %. The XML is not
  rendered for an error whose JSON body replaces it;
- every AttributeValue of a DynamoDB request is parsed by moto's generic parser, member by
  member through the shape (two handler look-ups a value): 4 % of a demo run. One made only of
  strings, numbers, booleans, nulls, sets of strings or numbers, maps and lists is parsed
  directly, as moto's parser gives it (moto_attribute_values: the serializer's walk too);
  binary values and anything unexpected still go through moto's.
"""

from __future__ import annotations

import functools
from typing import Any

from socialscore_local import moto_attribute_values


def install() -> None:
    """Once a process: moto_costs' _fixed_once."""
    _method_names_listed_once()
    _json_errors_without_their_xml()
    _attribute_values_parsed_directly()


def _method_names_listed_once() -> None:
    from moto.core import responses as module

    responses: Any = module
    listed = functools.cache(responses.method_names_from_class)

    def method_names_from_class(clazz: object) -> list[str]:
        return list(listed(clazz))  # a list of its own, as moto's was, for each caller

    responses.method_names_from_class = method_names_from_class


def _json_errors_without_their_xml() -> None:
    """JsonRESTError.__init__ runs _RESTError.__init__ (werkzeug's HTTPException.__init__, the
    error's type and message, an XML body and its content type), then sets its JSON body and
    content type over them: the same, without the XML no one reads."""
    import json

    from moto.core import exceptions
    from werkzeug.exceptions import HTTPException

    json_error: Any = exceptions.JsonRESTError

    def init(self: Any, error_type: str, message: str, _: str = "", **__: Any) -> None:
        HTTPException.__init__(self)
        self.error_type = error_type
        self.message = message
        self.description = json.dumps({"__type": self.error_type, "message": self.message})
        self.content_type = "application/json"

    json_error.__init__ = init


def _attribute_values_parsed_directly() -> None:
    from moto.core.parse import BaseJSONParser

    parser: Any = BaseJSONParser
    generic = parser._parse_structure

    def structure(self: Any, shape: Any, value: Any) -> Any:
        if shape.name == "AttributeValue" and not shape.is_document_type:
            parsed = moto_attribute_values.plain(value, tuple(shape.members), self.MAP_TYPE)
            if parsed is not None:
                return parsed
        return generic(self, shape, value)

    parser._parse_structure = structure
