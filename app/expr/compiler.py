"""Code generation: each checked AST becomes one Python function, compiled once.

The generated source only references names that ``NAMESPACE`` injects (runtime helpers,
builtins, constants) plus the function's own parameters; no attribute access is ever
emitted, so an expression cannot reach Python internals. Loops charge the run's Budget as they
reach each chunk of their collection (``coerce.loop_items``), which keeps per-item overhead at
zero; the function's ``sites`` attribute maps a line of its source to the part of the condition
whose call starts there (``Emitter.mark``), so a budget that runs out can be located.

Where a value's kind is not certain, the common case is tested and done inline, the helper with
Go's semantics and messages called otherwise (``Emitter.guard``): a float against a number
literal, a JSON object's key, a list's index, ``isNaN`` of a float. Where the caller checks each
value's class (the typed entry of entry.py, ``classes``), those tests go too.

This module emits leaves, names, access, Argo's calls and ``let``; operators are emitted by
gen_operators and builtin calls by gen_builtins, both against gen_emitter's ``Emitter``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import cast

from . import nodes as n
from .argo import ARGO_FUNCTIONS
from .checker import Checked
from .entry import Generated, Runner, exec_code, sites_of
from .gen_builtins import emit_builtin
from .gen_emitter import LOGIC, Emitter
from .gen_operators import emit_binary, emit_unary
from .support import NAMESPACE
from .types import Float64List

__all__ = ["certain_bool", "emit", "generate"]


class _Gen(Emitter):
    """One ``e_<node>`` method per node type, each returning a Python expression."""

    # -- leaves ----------------------------------------------------------------
    def e_nil(self, node: n.Nil) -> str:
        return "None"

    def e_bool(self, node: n.Bool) -> str:
        return "True" if node.value else "False"

    def e_int(self, node: n.Int) -> str:
        return repr(node.value)

    def e_float(self, node: n.Float) -> str:
        if math.isfinite(node.value):
            return repr(node.value)
        return self.const(node.value)

    def e_string(self, node: n.String) -> str:
        return repr(node.value)

    def e_bytes(self, node: n.Bytes) -> str:
        return repr(node.value)

    def e_constant(self, node: n.Constant) -> str:
        return self.const(node.value)

    def e_identifier(self, node: n.Identifier) -> str:
        local = self.resolve(node.name)
        if local is not None:
            return local
        if node.name in self.env_names:
            return f"_e{self.env_names.index(node.name)}"
        if node.name == "$env":
            values = ", ".join(f"_e{i}" for i in range(len(self.env_names)))
            return (
                f"_env_map({self.const(tuple(self.env_names))}, ({values}{',' if values else ''}))"
            )
        if node.name in ARGO_FUNCTIONS:
            return f"_argofn_{node.name}"
        return "None"

    def e_pointer(self, node: n.Pointer) -> str:
        prefix = {"": "_p", "index": "_i", "acc": "_a"}[node.name]
        return f"{prefix}{self.depth}"

    # -- operators -------------------------------------------------------------
    def e_unary(self, node: n.Unary) -> str:
        return emit_unary(self, node)

    def e_binary(self, node: n.Binary) -> str:
        return emit_binary(self, node)

    def e_conditional(self, node: n.Conditional) -> str:
        cond = self.as_bool(node.cond)
        return f"({self.emit(node.then)} if {cond} else {self.emit(node.otherwise)})"

    # -- access ----------------------------------------------------------------
    def e_chain(self, node: n.Chain) -> str:
        return f"_chain(lambda: {self.emit(node.node)})"

    def e_member(self, node: n.Member) -> str:
        obj = self.emit(node.obj)
        key = self.emit(node.prop)
        if node.optional:
            return f"{self.mark(node, '?.')}_ofetch({obj}, {key}, _st)"
        cls = self.exact(node.obj)
        if isinstance(node.prop, n.String):
            if cls is dict:
                return f"{obj}.get({key})"
            # Inline the common case (a JSON object) to save a call per item.
            test = "_type({first}) is _dict"
            fast = self.guard(obj, test, f"{{x}}.get({key})", f"_fetch({{x}}, {key})")
            return fast or f"_fetchs({obj}, {key})"
        if isinstance(node.prop, n.Int):
            # A list at an index in range; only a string's index charges (it may encode it).
            k = node.prop.value
            where = f"{k} < _len({{x}})" if k >= 0 else f"{-k} <= _len({{x}})"
            if cls is list or cls is Float64List:
                # A list's truth is its being non-empty: cheaper than a call of len.
                where = obj if k in (0, -1) else where.format(x=obj)
                return f"({obj}[{k}] if {where} else _fetch({obj}, {k}))"
            slow = f"_fetch({{x}}, {k})"
            if self.kind(node.obj) != "array":
                slow = f"{self.mark(node, '[]')}_fetch({{x}}, {k}, _st)"
            test = "(_type({first}) is _list or _type({x}) is _f64) and " + where
            fast = self.guard(obj, test, f"{{x}}[{k}]", slow)
            if fast is not None:
                return fast
        return f"{self.mark(node, '[]')}_fetch({obj}, {key}, _st)"

    def e_slice(self, node: n.Slice) -> str:
        start = "None" if node.start is None else self.emit(node.start)
        stop = "None" if node.stop is None else self.emit(node.stop)
        return f"{self.mark(node, '[:]')}_slice(_st, {self.emit(node.obj)}, {start}, {stop})"

    def e_call(self, node: n.Call) -> str:
        args = [self.emit(a) for a in node.args]
        callee = node.callee
        if (
            isinstance(callee, n.Identifier)
            and callee.name in ARGO_FUNCTIONS
            and not any(callee.name in s for s in self.scopes)
        ):
            if ARGO_FUNCTIONS[callee.name].needs_result:
                result = (
                    f"_e{self.env_names.index('result')}" if "result" in self.env_names else "None"
                )
                args.insert(0, result)
            if callee.name in ("asInt", "asFloat") and len(args) == 1:
                # They parse text: charged for it. A float needs no parsing at all.
                fast = callee.name == "asFloat" and not self.in_iterable
                tmp = self.fresh("t") if fast else args[0]
                slow = f"{self.mark(node, callee.name)}_argo_{callee.name}(_text(_st, {tmp}))"
                if fast:
                    return f"({tmp} if _type({tmp} := {args[0]}) is _float else {slow})"
                return slow
            inline = _argo_fast(self, callee.name, node.args, args)
            return inline or f"_argo_{callee.name}({', '.join(args)})"
        if isinstance(callee, n.Member) and callee.method:
            obj = self.emit(callee.obj)
            prop = self.emit(callee.prop)
            return f"{self.mark(node, 'call')}_method(_st, {obj}, {prop}, {', '.join(args)})"
        return f"{self.mark(node, 'call')}_call(_st, {self.emit(callee)}, {', '.join(args)})"

    def e_builtin(self, node: n.Builtin) -> str:
        return emit_builtin(self, node)

    # -- literals and binding --------------------------------------------------
    def e_array(self, node: n.Array) -> str:
        return "[" + ", ".join(self.emit(i) for i in node.items) + "]"

    def e_maplit(self, node: n.MapLit) -> str:
        keys = [k.value for k, _ in node.pairs if isinstance(k, n.String)]
        if len(keys) == len(node.pairs) and len(set(keys)) == len(keys):
            parts = [f"{k!r}: {self.emit(v)}" for k, (_, v) in zip(keys, node.pairs, strict=True)]
            return "{" + ", ".join(parts) + "}"
        pairs = ", ".join(f"({self.emit(k)}, {self.emit(v)})" for k, v in node.pairs)
        return f"_map_lit({pairs})"

    def e_variable(self, node: n.Variable) -> str:
        value = self.emit(node.value)
        name = self.fresh("v")
        if self.kind(node.value) == "unknown":
            self.nilable.add(name)
        self.scopes.append({node.name: name})
        try:
            body = self.emit(node.body)
        finally:
            self.scopes.pop()
        return f"(lambda {name}: {body})({value})"

    def e_sequence(self, node: n.Sequence) -> str:
        return "(" + ", ".join(self.emit(i) for i in node.nodes) + ")[-1]"


_COMPARISONS = frozenset({"==", "!=", "<", ">", "<=", ">="})


def certain_bool(node: n.Node) -> bool:
    """Whether the code generated for ``node`` certainly yields a bool, so the typed entry
    need not check it. Stricter than ``Emitter.is_bool``: it follows what ``_logic`` emits
    (``x && true`` is ``x``, whatever ``x`` is), and trusts only comparisons, ``!``, the
    verdict loops and the constants."""
    if isinstance(node, n.Bool):
        return True
    if isinstance(node, n.Unary):
        return node.op in ("!", "not")
    if isinstance(node, n.Builtin):
        return node.name in ("all", "any", "none") and len(node.args) == 2
    if isinstance(node, n.Conditional):
        return certain_bool(node.then) and certain_bool(node.otherwise)
    if not isinstance(node, n.Binary):
        return False
    if node.op in _COMPARISONS:
        return True
    if node.op not in LOGIC:
        return False
    for side, other in ((node.right, node.left), (node.left, node.right)):
        if isinstance(side, n.Bool):  # folded away: the other side, or a constant
            return certain_bool(other) if side.value == (LOGIC[node.op] == "and") else True
    return certain_bool(node.right)  # ``bool(left) and/or right`` yields ``right`` as it is


_PURE = (n.Identifier, n.Nil, n.Bool, n.Int, n.Float, n.String)


def _argo_fast(g: _Gen, name: str, nodes: list[n.Node], args: list[str]) -> str | None:
    """Argo's helpers inline where the arguments allow: ``isNaN``/``isInf`` of a float, and
    ``default`` (which returns the environment's ``result`` unless it is nil) when its
    arguments are names or literals, whose evaluation can neither fail nor cost."""
    if name in ("isNaN", "isInf") and len(args) == 1:
        test = "_type({first}) is _float"
        fast = "({x} != {x})" if name == "isNaN" else "_isinf({x})"  # NaN alone differs from itself
        return g.guard(args[0], test, fast, f"_argo_{name}({{x}})")
    if name == "default" and len(args) == 3 and all(isinstance(a, _PURE) for a in nodes):
        return f"({args[2]} if {args[0]} is None else {args[0]})"
    return None


def emit(
    tree: n.Node,
    checked: Checked,
    *,
    names: list[str],
    source: str,
    classes: Mapping[str, type] | None = None,
) -> Generated:
    """The Python code for a checked tree, not yet compiled. ``classes``: the Python class of
    each value, where the caller checks it (the typed entry of entry.py)."""
    gen = _Gen(checked, names, classes)
    body = gen.emit(tree)
    return Generated(
        body=body,
        hoisted=tuple(gen.hoisted),
        names=tuple(names),
        consts=gen.consts,
        sites=tuple(gen.sites),
        is_bool=certain_bool(tree),
        source=source,
    )


def generate(tree: n.Node, checked: Checked, *, names: list[str], source: str) -> Runner:
    """Return ``fn(budget, *values)`` (one value per name, in order) for a checked tree; its
    ``generated`` attribute is the code it was compiled from."""
    generated = emit(tree, checked, names=names, source=source)
    code = generated.runner_code()
    namespace = dict(NAMESPACE)
    namespace.update(generated.consts)
    exec_code(code, namespace, source)
    fn = namespace["_expr"]
    fn.sites = sites_of(code, generated.sites)
    fn.generated = generated
    return cast(Runner, fn)
