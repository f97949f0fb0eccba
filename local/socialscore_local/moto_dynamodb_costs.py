"""What moto's DynamoDB repeats on every call for the same input, done once: same answers.

Profiled on the demo's stream (moto 5.2), about a third of moto's time went to work whose
result depends only on the request's text, not on the data:
- an update expression is parsed twice per UpdateItem or transaction action (once by the
  request's checks, once by the backend) although the pipeline sends 16 distinct expressions
  ~2,800 times a run; each validation starts from a deep copy of the parsed tree, runs three
  checks that depend only on the expression, its names and the table's key, and walks the tree
  ten times, rebuilding each walker's handler map twice per node and finding a node's handler
  by isinstance checks against abstract classes;
- every AttributeValue of every item returned is serialized by moto's generic serializer,
  which looks each of the shape's ten members up through six alias rules: ~200 look-ups an
  item, a third of moto's time in a run.

Here an expression's tree is parsed once and kept with its pickled form; each validation gets
its own copy from that form (what `deepcopy` gave: the validators rewrite the copy, never the
kept tree); the three checks run once per (expression, names, table key) that passes them; a
walker builds its map once a walk and finds a node's handler by the node's class. An
AttributeValue made only of strings, numbers, booleans, sets of them, maps and lists is written
directly in the shape's member order, exactly as moto's serializer writes it (the walk
moto_attribute_values shares with the requests' parse); anything else (binary values, a None
entry, an unexpected key or type) still goes through moto's own.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

from socialscore_local import moto_attribute_values

_MAX_EXPRESSIONS = 1024  # distinct expressions kept; past it, parse as moto does


def install() -> None:
    """Once a process: moto_costs' _fixed_once."""
    _expressions_parsed_once()
    _attribute_values_written_directly()


def _expressions_parsed_once() -> None:
    from moto.dynamodb.parsing import expressions, validators

    parser: Any = expressions.UpdateExpressionParser  # type: ignore[attr-defined]
    parse = parser.make
    trees: dict[str, Any] = {}
    # By a kept tree's id: the tree (held here for ever, so its id is never another object's,
    # even if two threads parsed the same expression at once) and its pickled form.
    pickled: dict[int, tuple[Any, bytes]] = {}

    def make(_cls: type, expression: Any) -> Any:
        tree = trees.get(expression) if isinstance(expression, str) else None
        if tree is None:
            tree = parse(expression)  # a refused expression raises here, every time
            if isinstance(expression, str) and len(trees) < _MAX_EXPRESSIONS:
                trees[expression] = tree
                pickled[id(tree)] = (tree, pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
        return tree

    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        kept = pickled.get(id(value))
        if kept is not None and memo is None:
            return pickle.loads(kept[1])  # noqa: S301 (our own bytes, made just above)
        return copy.deepcopy(value, memo)

    parser.make = classmethod(make)
    validators.deepcopy = deepcopy  # type: ignore[attr-defined,assignment]
    _checks_passed_once(validators, pickled)
    _walks_dispatched_by_class()


def _checks_passed_once(validators: Any, kept: dict[int, tuple[Any, bytes]]) -> None:
    """An update's first validators only check the expression against its names and the
    table's key (one ADD/SET/REMOVE clause each, no overlapping paths, no key attribute
    updated): they raise or leave the tree as it is. Once a kept expression has passed them with
    the same names on a table with the same key, they pass again: skip them. The validators
    that read the item and the values run every time."""
    checks = (
        validators.ActionCountValidator,
        validators.OverlappingPathsValidator,
        validators.UpdateHashRangeKeyValidator,
    )
    update = validators.UpdateExpressionValidator
    built = update.__init__
    passed: set[tuple[Any, ...]] = set()

    def init(self: Any, expression: Any, *arguments: Any, **named: Any) -> None:
        built(self, expression, *arguments, **named)
        names = self.expression_attribute_names or {}
        leading = next(
            (n for n, p in enumerate(self.processors) if not isinstance(p, checks)),
            len(self.processors),
        )
        self.socialscore_checked = None
        if id(expression) in kept and not any(
            isinstance(p, checks) for p in self.processors[leading:]
        ):  # the checks see the tree as parsed: their outcome is the key's
            key = (id(expression), tuple(sorted(names.items())), tuple(self.table.table_key_attrs))
            self.socialscore_checked = (key, leading)

    def validate(self: Any) -> Any:
        checked = self.socialscore_checked
        processors = self.processors
        if checked is not None and checked[0] in passed:
            processors = processors[checked[1] :]
        node = self.node_to_validate
        for processor in processors:
            node = processor.traverse(node)
        if checked is not None:
            passed.add(checked[0])
        return node

    update.__init__ = init
    update.validate = validate


def _walks_dispatched_by_class() -> None:
    """moto's tree walkers rebuild their {node type: handler} map twice per node visited, and
    find a node's handler by isinstance checks against abstract classes (slow: ABCMeta) for
    every node of every walk. Here each walker builds its map once, and a node's handler (the
    first of the map's types it is an instance of, or none) is looked up by the node's class:
    found once per class and map, as isinstance's answer depends only on the class."""
    from moto.dynamodb.parsing import ast_nodes

    walker: Any = ast_nodes.DepthFirstTraverser  # type: ignore[attr-defined]
    node_class: type = ast_nodes.Node  # type: ignore[attr-defined]
    no_hook = walker.pre_processing_of_child
    is_node: dict[type, bool] = {}
    # By a map's node types, in its order: {a node's class: its handler's place, or None}.
    places: dict[tuple[type, ...], dict[type, int | None]] = {}

    def visitor(self: Any) -> Callable[[Any, int], Any]:
        """The walker's traverse_node_recursively (no moto walker overrides it), its map and
        hook looked up once for the whole walk."""
        handlers = self._processing_map()
        types = tuple(handlers)
        place = places.setdefault(types, {})
        act = tuple(handlers.values())
        hook = self.pre_processing_of_child
        if getattr(hook, "__func__", None) is no_hook:
            hook = None

        def visit(node: Any, child_id: int = -1) -> Any:
            kind = type(node)
            known = is_node.get(kind)
            if known is None:
                known = is_node[kind] = issubclass(kind, node_class)
            if not known:
                return node
            parent = node.parent
            if node.children is not None:
                for i, child in enumerate(node.children):
                    if hook is not None:
                        hook(node, i)
                    visit(child, i)
            if kind in place:
                at = place[kind]
            else:
                found = (n for n, t in enumerate(types) if issubclass(kind, t))
                at = place[kind] = next(found, None)
            if at is not None:
                node = act[at](node)
                node.parent = parent
                if parent:
                    parent.children[child_id] = node
            return node

        return visit

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        return visitor(self)(node, child_id)

    def traverse(self: Any, node: Any) -> Any:
        return visitor(self)(node, -1)

    walker.traverse = traverse
    walker.traverse_node_recursively = traverse_node_recursively


def _attribute_values_written_directly() -> None:
    from moto.core.serialize import DEFAULT_ALIAS_PROVIDERS, BaseJSONSerializer

    serializer = BaseJSONSerializer
    generic = serializer._serialize_type_structure

    def structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        written = None
        if (
            key
            and shape.name == "AttributeValue"
            and self.service_model.service_name == "dynamodb"
            and not getattr(self._value_picker, "response_transformers", None)
            and getattr(self._value_picker, "alias_providers", None) == DEFAULT_ALIAS_PROVIDERS
        ):
            written = moto_attribute_values.plain(value, tuple(shape.members))
        if written is None:
            generic(self, serialized, value, shape, key)
        else:
            self._default_serialize(serialized, written, shape, key)

    serializer._serialize_type_structure = structure  # type: ignore[method-assign]
