"""Reading the user's GraphQL document: parse once, find its root fields and what they ask for.

The document is parsed with graphql-core once per text (cached). Root fields, their arguments
and the entity they name are read back out of it for messages ("metric service_apdex of service
\"reviews\""), so a no-data or MQE error says which query it is about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

__all__ = [
    "RootField",
    "arguments",
    "operations",
    "parse_query",
    "required_variables",
    "root_fields",
    "subject",
]

MQE = frozenset({"execExpression"})
_ENTITY_PARTS = (
    ("serviceName", "service"),
    ("serviceInstanceName", "instance"),
    ("endpointName", "endpoint"),
    ("processName", "process"),
    ("destServiceName", "dest service"),
    ("destServiceInstanceName", "dest instance"),
    ("destEndpointName", "dest endpoint"),
    ("destProcessName", "dest process"),
)


@lru_cache(maxsize=256)
def parse_query(text: str) -> DocumentNode:
    """Parse once per distinct query text (documents are immutable, so sharing is safe)."""
    return parse(text)


def operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def required_variables(document: DocumentNode) -> list[str]:
    """Variables the (single) operation declares as ``Type!`` without a default."""
    names: list[str] = []
    for operation in operations(document):
        for definition in operation.variable_definitions or ():
            if isinstance(definition.type, NonNullTypeNode) and definition.default_value is None:
                names.append(definition.variable.name.value)
    return names


@dataclass(frozen=True, slots=True)
class RootField:
    key: str
    name: str
    node: FieldNode


class _Walker:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def fields(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()
    ) -> Iterator[FieldNode]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # a cycle is the OAP's to refuse
                    yield from self.fields(fragment.selection_set, seen | {name})


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def root_fields(document: DocumentNode) -> list[RootField]:
    walker = _Walker(document)
    found: list[RootField] = []
    for operation in operations(document)[:1]:
        for node in walker.fields(operation.selection_set):
            found.append(RootField(key=_key(node), name=node.name.value, node=node))
    return found


def arguments(node: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {
        arg.name.value: value_from_ast_untyped(arg.value, dict(variables))
        for arg in node.arguments or ()
    }


def describe_entity(entity: Any) -> str:
    if not isinstance(entity, Mapping):
        return "an unnamed entity"
    parts = [f'{label} "{entity[key]}"' for key, label in _ENTITY_PARTS if entity.get(key)]
    return ", ".join(parts) or "an unnamed entity"


def subject(field: RootField, variables: Mapping[str, Any]) -> str:
    args = arguments(field.node, variables)
    if field.name in MQE:
        return f'expression "{args.get("expression")}" of {describe_entity(args.get("entity"))}'
    condition = args.get("condition") if isinstance(args.get("condition"), Mapping) else {}
    assert isinstance(condition, Mapping)
    return f"metric {condition.get('name')} of {describe_entity(condition.get('entity'))}"
