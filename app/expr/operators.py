"""The operator table as data, with expr v1.17.8's precedences and associativity."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BINARY",
    "BUILTIN_NAMES",
    "COMPARISON",
    "NEGATABLE",
    "PREDICATE_BUILTINS",
    "UNARY",
    "Operator",
    "PredicateSpec",
]


@dataclass(frozen=True, slots=True)
class Operator:
    precedence: int
    right_assoc: bool = False


UNARY: dict[str, Operator] = {
    "not": Operator(50),
    "!": Operator(50),
    "-": Operator(90),
    "+": Operator(90),
}

BINARY: dict[str, Operator] = {
    "|": Operator(0),
    "or": Operator(10),
    "||": Operator(10),
    "and": Operator(15),
    "&&": Operator(15),
    "==": Operator(20),
    "!=": Operator(20),
    "<": Operator(20),
    ">": Operator(20),
    ">=": Operator(20),
    "<=": Operator(20),
    "in": Operator(20),
    "matches": Operator(20),
    "contains": Operator(20),
    "startsWith": Operator(20),
    "endsWith": Operator(20),
    "..": Operator(25),
    "+": Operator(30),
    "-": Operator(30),
    "*": Operator(60),
    "/": Operator(60),
    "%": Operator(60),
    "**": Operator(100, right_assoc=True),
    "^": Operator(100, right_assoc=True),
    "??": Operator(500),
}

# Chained comparisons: ``1 < x < 3`` means ``1 < x && x < 3``.
COMPARISON = frozenset({"<", ">", "<=", ">="})
NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})


@dataclass(frozen=True, slots=True)
class PredicateSpec:
    """Argument kinds of a builtin that takes a predicate: 'e' expression, 'p' predicate,
    a trailing '?' marks the argument optional."""

    args: tuple[str, ...]


PREDICATE_BUILTINS: dict[str, PredicateSpec] = {
    name: PredicateSpec(args)
    for name, args in {
        "all": ("e", "p"),
        "none": ("e", "p"),
        "any": ("e", "p"),
        "one": ("e", "p"),
        "filter": ("e", "p"),
        "map": ("e", "p"),
        "count": ("e", "p?"),
        "sum": ("e", "p?"),
        "find": ("e", "p"),
        "findIndex": ("e", "p"),
        "findLast": ("e", "p"),
        "findLastIndex": ("e", "p"),
        "groupBy": ("e", "p"),
        "sortBy": ("e", "p", "e?"),
        "reduce": ("e", "p", "e?"),
    }.items()
}


# Names the parser turns into builtin calls (``len(x)``); anything else called is a CallNode.
BUILTIN_NAMES = frozenset(
    {
        *PREDICATE_BUILTINS,
        "len", "type", "abs", "ceil", "floor", "round", "int", "float", "string",
        "trim", "trimPrefix", "trimSuffix", "upper", "lower", "split", "splitAfter",
        "replace", "repeat", "join", "indexOf", "lastIndexOf", "hasPrefix", "hasSuffix",
        "max", "min", "mean", "median", "toJSON", "fromJSON", "toBase64", "fromBase64",
        "now", "duration", "date", "timezone", "first", "last", "get", "take", "keys",
        "values", "toPairs", "fromPairs", "sort", "reverse", "uniq", "concat", "flatten",
        "bitand", "bitor", "bitxor", "bitnand", "bitnot", "bitshl", "bitshr", "bitushr",
    }
)  # fmt: skip
