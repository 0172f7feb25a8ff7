"""Reading the user's GraphQL document: parse once, then tell empty answers from real zeros.

The OAP answers "no data" with zeros flagged ``isEmptyValue: true`` (metrics v2) or with null
values / empty results (MQE). Argo hands those zeros to the conditions; augur reports them as
:class:`~providers.errors.NoDataError` naming the entity and metric, which it reads from the
query's own arguments. Detection only uses fields the query selected: it never rewrites it.
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

__all__ = ["Finding", "RootField", "inspect_data", "parse_query", "required_variables"]

V2_SERIES = frozenset({"readMetricsValues"})
V2_LABELED = frozenset({"readLabeledMetricsValues"})
V2_NULLABLE = frozenset({"readNullableMetricsValue"})
V2_SINGLE = frozenset({"readMetricsValue"})
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


@dataclass(frozen=True, slots=True)
class Finding:
    """What inspection learned: an MQE error, a no-data verdict, and point counts."""

    error: str | None = None
    no_data: str | None = None
    points: int = 0
    empty_points: int = 0


class _Walker:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def fields(self, selection_set: SelectionSetNode | None) -> Iterator[FieldNode]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self.fields(fragment.selection_set)

    def sub(self, node: FieldNode, name: str) -> FieldNode | None:
        return next((f for f in self.fields(node.selection_set) if f.name.value == name), None)


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def root_fields(document: DocumentNode) -> list[RootField]:
    walker = _Walker(document)
    found: list[RootField] = []
    for operation in operations(document)[:1]:
        for node in walker.fields(operation.selection_set):
            found.append(RootField(key=_key(node), name=node.name.value, node=node))
    return found


def _arguments(node: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {
        arg.name.value: value_from_ast_untyped(arg.value, dict(variables))
        for arg in node.arguments or ()
    }


def describe_entity(entity: Any) -> str:
    if not isinstance(entity, Mapping):
        return "an unnamed entity"
    parts = [f'{label} "{entity[key]}"' for key, label in _ENTITY_PARTS if entity.get(key)]
    return ", ".join(parts) or "an unnamed entity"


def _subject(field: RootField, variables: Mapping[str, Any]) -> str:
    args = _arguments(field.node, variables)
    if field.name in MQE:
        return f'expression "{args.get("expression")}" of {describe_entity(args.get("entity"))}'
    condition = args.get("condition") if isinstance(args.get("condition"), Mapping) else {}
    assert isinstance(condition, Mapping)
    return f"metric {condition.get('name')} of {describe_entity(condition.get('entity'))}"


def _series_points(walker: _Walker, node: FieldNode, series: Any) -> tuple[int, int] | None:
    """(points, empty points) of one MetricsValues, or None when the query cannot tell."""
    outer = walker.sub(node, "values")
    if outer is None or not isinstance(series, Mapping):
        return None
    int_values = series.get(_key(outer))
    if int_values is None:
        return (0, 0)
    inner = walker.sub(outer, "values")
    if inner is None or not isinstance(int_values, Mapping):
        return None
    points = int_values.get(_key(inner)) or []
    flag = walker.sub(inner, "isEmptyValue")
    if not points:
        return (0, 0)
    if flag is None:
        return None
    empty = sum(1 for p in points if isinstance(p, Mapping) and p.get(_key(flag)) is True)
    return (len(points), empty)


def _mqe(walker: _Walker, field: RootField, answer: Any) -> tuple[str | None, bool, int, int]:
    """(error, no data?, points, empty points) for one execExpression answer."""
    if not isinstance(answer, Mapping):
        return None, False, 0, 0
    error_node, type_node = walker.sub(field.node, "error"), walker.sub(field.node, "type")
    error = answer.get(_key(error_node)) if error_node else None
    kind = answer.get(_key(type_node)) if type_node else None
    if error or kind == "UNKNOWN":
        return str(error or "the OAP could not resolve the expression type (UNKNOWN)"), False, 0, 0
    results_node = walker.sub(field.node, "results")
    if results_node is None:
        return None, False, 0, 0
    results = answer.get(_key(results_node)) or []
    values_node = walker.sub(results_node, "values")
    value_node = walker.sub(values_node, "value") if values_node else None
    if not results:
        return None, True, 0, 0
    if values_node is None or value_node is None:
        return None, False, 0, 0
    points = [v for r in results if isinstance(r, Mapping) for v in r.get(_key(values_node)) or []]
    empty = sum(1 for v in points if isinstance(v, Mapping) and v.get(_key(value_node)) is None)
    return None, empty == len(points), len(points), empty


def inspect_data(
    document: DocumentNode, data: Any, variables: Mapping[str, Any], *, window: str
) -> Finding:
    """Look for MQE errors and for answers that are entirely empty, field by field."""
    if not isinstance(data, Mapping):
        return Finding()
    walker = _Walker(document)
    points = empty = 0
    for field in root_fields(document):
        answer = data.get(field.key)
        where = f"(field {field.key}: {field.name})"
        if field.name in MQE:
            error, no_data, n, e = _mqe(walker, field, answer)
            points, empty = points + n, empty + e
            if error is not None:
                subject = _subject(field, variables)
                return Finding(error=f"SkyWalking MQE {subject} failed: {error} {where}")
            if no_data:
                detail = _empty_detail(n, noun="value", adjective="null") if n else "no results"
                return Finding(no_data=_no_data(field, variables, window, detail, where))
            continue
        counts: list[tuple[int, int] | None] = []
        if field.name in V2_SERIES:
            counts = [_series_points(walker, field.node, answer)]
        elif field.name in V2_LABELED and isinstance(answer, list):
            counts = [_series_points(walker, field.node, s) for s in answer] or [(0, 0)]
        elif field.name in V2_NULLABLE and isinstance(answer, Mapping):
            flag = walker.sub(field.node, "isEmptyValue")
            counts = [None if flag is None else (1, int(answer.get(_key(flag)) is True))]
        known = [c for c in counts if c is not None]
        if not known or len(known) != len(counts):
            continue
        n, e = sum(c[0] for c in known), sum(c[1] for c in known)
        points, empty = points + n, empty + e
        if e == n:
            detail = _empty_detail(n, noun="point", adjective="empty")
            return Finding(no_data=_no_data(field, variables, window, detail, where))
    return Finding(points=points, empty_points=empty)


def _empty_detail(count: int, *, noun: str, adjective: str) -> str:
    if count == 0:
        return f"no {noun}s"
    if count == 1:
        return f"the only {noun} is {adjective}"
    return f"all {count} {noun}s are {adjective}"


def _no_data(
    field: RootField, variables: Mapping[str, Any], window: str, detail: str, where: str
) -> str:
    return f"no data from SkyWalking for {_subject(field, variables)} {window}: {detail} {where}"
