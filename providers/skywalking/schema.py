"""augur's own SDL of the OAP's query protocol: validating queries, and what augur adds to them.

``schema.graphqls`` beside this module is the part of SkyWalking's GraphQL protocol augur speaks
(metrics v2, MQE, ``getTimeInfo``; see its header). Two uses:

- **Validation at submission.** A query whose root fields are all declared there is validated
  against it when the template is checked, so a typo'd field is reported before the rollout
  depends on it, with graphql-core's message (``Cannot query field 'valuez' on type 'KVInt'.
  Did you mean 'value'?``). A query that uses any other part of the protocol passes through
  unvalidated: the OAP knows more than this file, and nothing valid may be refused.
- **What augur adds.** The OAP answers an empty point as ``0`` with ``isEmptyValue: true`` and an
  empty MQE point as ``null``; a template rarely selects the flag (Argo's documented query does
  not). So every selection of a ``KVInt`` or ``NullableValue`` gets ``isEmptyValue``, every
  ``MQEValue`` its ``value`` and ``id``, every ``ExpressionResult`` its ``type`` and ``error``,
  each under an alias starting with ``_augur_`` (a reserved prefix). The text is spliced, not
  re-printed, so the OAP sees the author's query, lines and all, plus those fields. The answer
  is read along the :class:`Shape` built here and the added keys are removed before the
  conditions see it (:mod:`providers.skywalking.answer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    build_schema,
    get_named_type,
    validate,
)

from providers.skywalking.query import operations, root_fields

__all__ = [
    "ADDED",
    "ADDED_FOR_ARGO",
    "SCHEMA_FILE",
    "Shape",
    "augment",
    "protocol_problems",
    "protocol_schema",
]

SCHEMA_FILE = Path(__file__).with_name("schema.graphqls")

#: Per GraphQL type: the (alias, field) pairs augur adds to every selection of that type.
ADDED: Mapping[str, tuple[tuple[str, str], ...]] = {
    "KVInt": (("_augur_isEmptyValue", "isEmptyValue"),),
    "NullableValue": (("_augur_isEmptyValue", "isEmptyValue"),),
    "MQEValue": (("_augur_value", "value"), ("_augur_id", "id")),
    "ExpressionResult": (("_augur_type", "type"), ("_augur_error", "error")),
}
#: With ``noData: argo`` only what tells an MQE error apart: empty points stay Argo's zeros.
ADDED_FOR_ARGO: Mapping[str, tuple[tuple[str, str], ...]] = {
    "ExpressionResult": ADDED["ExpressionResult"]
}


@cache
def protocol_schema() -> GraphQLSchema:
    """The SDL, built once per process (it is package data, read-only)."""
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def protocol_problems(document: DocumentNode) -> list[str]:
    """Validation messages against augur's SDL, ``[]`` when valid or when the query reaches
    beyond it (some root field is not declared there)."""
    schema = protocol_schema()
    query_type = schema.query_type
    assert query_type is not None
    names = {field.name for field in root_fields(document)}
    if not names or not names <= set(query_type.fields) | {"__typename"}:
        return []
    return [_located(error.message, error.locations) for error in validate(schema, document)]


def _located(message: str, locations: object) -> str:
    if isinstance(locations, list) and locations:
        where = "; ".join(f"line {loc.line}, column {loc.column}" for loc in locations)
        return f"{message} ({where})"
    return message


@dataclass
class Shape:
    """The answer's shape as the query selects it: the GraphQL type at each response key."""

    type_name: str
    fields: dict[str, Shape] = field(default_factory=dict)

    def holds(self, type_names: frozenset[str]) -> bool:
        """Whether this type or any selected below it is one of ``type_names``."""
        return self.type_name in type_names or any(
            sub.holds(type_names) for sub in self.fields.values()
        )


class _Walk:
    """The typed walk: response keys with their types, and where to splice added fields."""

    def __init__(self, document: DocumentNode, added: Mapping[str, object]) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.added = added
        self.spots: dict[int, str] = {}  # offset of a selection set's closing brace -> type
        self.visiting: set[str] = set()

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, shape: Shape
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent, shape)
            elif isinstance(selection, InlineFragmentNode):
                self.selections(selection.selection_set, parent, shape)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in self.visiting:  # cycles: not validated
                    self.visiting.add(name)
                    self.selections(fragment.selection_set, parent, shape)
                    self.visiting.discard(name)

    def field(self, node: FieldNode, parent: GraphQLObjectType, shape: Shape) -> None:
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return  # outside augur's SDL: the OAP judges it
        named = get_named_type(definition.type)
        key = node.alias.value if node.alias else node.name.value
        sub = shape.fields.setdefault(key, Shape(named.name))
        if node.selection_set is None or not isinstance(named, GraphQLObjectType):
            return
        if named.name in self.added and node.selection_set.loc is not None:
            self.spots[node.selection_set.loc.end - 1] = named.name
        self.selections(node.selection_set, named, sub)


def augment(
    text: str, document: DocumentNode, added: Mapping[str, tuple[tuple[str, str], ...]]
) -> tuple[str, Shape]:
    """``text`` with the ``added`` fields spliced into every selection of their types, and the
    answer's :class:`Shape`. ``document`` is ``text`` parsed (with locations)."""
    query_type = protocol_schema().query_type
    assert query_type is not None
    shape = Shape(query_type.name)
    walk = _Walk(document, added)
    for operation in operations(document)[:1]:
        walk.selections(operation.selection_set, query_type, shape)
    for offset in sorted(walk.spots, reverse=True):
        fields = " ".join(f"{alias}: {name}" for alias, name in added[walk.spots[offset]])
        before = "" if text[offset - 1].isspace() else " "
        text = f"{text[:offset]}{before}{fields} {text[offset:]}"
    return text, shape
