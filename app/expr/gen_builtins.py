"""Code generation for builtin calls; predicate builtins become inline comprehensions, and
``all``/``any``/``none`` outside any predicate or ``let`` module-level ``for`` loops.

It works on an ``Emitter`` (gen_emitter.py), not on the compiler, and reads which builtins
take the run's Budget from the builtins' own table, so neither stage imports the other. A loop
hands ``_iter`` its predicate's weight (steps per item), and every call that charges the budget
starts a marked line (``Emitter.mark``). ``len`` of a list or a map is Python's ``len``.
"""

from __future__ import annotations

from . import nodes as n
from .builtins import BUDGETED
from .gen_emitter import Emitter, weight

__all__ = ["emit_builtin"]


def _uses_index(node: n.Node) -> bool:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, n.Pointer) and cur.name == "index":
            return True
        stack.extend(n.children(cur))
    return False


def emit_builtin(g: Emitter, node: n.Builtin) -> str:
    name = node.name
    args = node.args
    if name in ("all", "any", "none", "one", "filter", "map", "count", "sum", "find",
                "findIndex", "findLast", "findLastIndex") and len(args) >= 2:  # fmt: skip
        hoist = name in _VERDICTS and g.depth == 0 and not g.scopes
        # A hoisted loop's items are an argument, not a comprehension's iterable.
        coll = g.emit(args[0]) if hoist else g.emit_iterable(args[0])
        pred = args[1]
        body, depth = g.predicate(pred)
        body_node = pred.body if isinstance(pred, n.Predicate) else pred
        is_bool = g.is_bool(body_node)
        test = body if is_bool or name in ("map", "sum") else f"_bool({body})"
        p, i = f"_p{depth}", f"_i{depth}"
        source = f"{g.mark(node, name)}_iter(_st, {coll}, {name!r}, {weight(pred)})"
        if name in ("findLast", "findLastIndex"):
            loop = f"for {i}, {p} in _reversed(_list(_enumerate({source})))"
        elif _uses_index(body_node) or name == "findIndex":
            loop = f"for {i}, {p} in _enumerate({source})"
        else:
            loop = f"for {p} in {source}"
        if hoist:
            return _hoisted(g, node, test, loop.replace(source, "_c"), coll, weight(pred))
        code = _LOOPS[name].format(test=test, body=body, loop=loop, p=p, i=i)
        return g.mark(node, name) + code
    if name == "count":
        coll = g.emit_iterable(args[0])
        source = f"{g.mark(node, name)}_iter(_st, {coll}, 'count', 2)"
        return f"{g.mark(node, name)}_sum1(1 for _x in {source} if _bool(_x))"
    if name == "sum":
        source = f"{g.mark(node, name)}_iter(_st, {g.emit_iterable(args[0])}, 'sum')"
        return f"{g.mark(node, name)}_f_sum_values({source})"
    if name in ("groupBy", "sortBy", "reduce"):
        coll = g.emit(args[0])
        body, depth = g.predicate(args[1])
        p, i, a = f"_p{depth}", f"_i{depth}", f"_a{depth}"
        params = f"{a}, {p}, {i}" if name == "reduce" else f"{p}, {i}"
        rest = "".join(", " + g.emit(x) for x in args[2:])
        call = f"_f_{name}(_st, {coll}, lambda {params}: {body}{rest}, weight={weight(args[1])})"
        return g.mark(node, name) + call
    emitted = [g.emit(a) for a in args]
    if name == "len" and len(emitted) == 1:
        # Go's len of a slice or a map is Python's; text and the rest go to the builtin.
        if g.exact(args[0]) in (list, dict):
            return f"_len({emitted[0]})"
        test = "_type({first}) is _list or _type({x}) is _dict"
        fast = g.guard(emitted[0], test, "_len({x})", "_f_len({x})")
        if fast is not None:
            return fast
    if name in BUDGETED:
        return f"{g.mark(node, name)}_f_{name}(_st, {', '.join(emitted)})"
    return f"_f_{name}({', '.join(emitted)})"


#: name -> (what the test decides: return this when it is True, else when the loop ends)
_VERDICTS = {"all": ("not ", "False", "True"), "any": ("", "True", "False"),
             "none": ("", "False", "True")}  # fmt: skip


def _hoisted(g: Emitter, node: n.Builtin, test: str, loop: str, coll: str, steps: int) -> str:
    """A loop outside any predicate or ``let`` as a module-level function of the generated
    code: a ``for`` statement that returns at its verdict, not a generator ``all()`` resumes
    per item. It takes the run's Budget, the items and the environment's values, and charges
    for the items through ``_iter`` as the comprehension would. Every line that can spend the
    budget follows a marked one, so a budget that runs out in it is located as before."""
    name = node.name
    negate, hit, end = _VERDICTS[name]
    fn = g.fresh("L")
    env = "".join(f", _e{i}" for i in range(len(g.env_names)))
    g.hoisted.append(
        f"def {fn}(_st, _c{env}):  {g.mark(node, name)}"
        f"    {loop.replace('_c', f'_iter(_st, _c, {name!r}, {steps})')}:\n"
        f"        if {negate}({g.mark(node, name)}{test}\n): return {hit}\n"
        f"    return {end}\n"
    )
    return f"{fn}(_st, {coll}{env})"


#: Each predicate builtin as one Python comprehension: ``test`` is the predicate as a bool,
#: ``body`` its value, ``loop`` the ``for`` clause, ``p``/``i`` the item and its index.
_LOOPS = {
    "all": "_all({test} {loop})",
    "any": "_any({test} {loop})",
    "none": "(not _any({test} {loop}))",
    "one": "(_count_true({body} {loop}) == 1)",
    "filter": "[{p} {loop} if {test}]",
    "map": "[{body} {loop}]",
    "count": "_sum1(1 {loop} if {test})",
    "sum": "_f_sum_values({body} {loop})",
    "find": "_next(({p} {loop} if {test}), None)",
    "findLast": "_next(({p} {loop} if {test}), None)",
    "findIndex": "_next(({i} {loop} if {test}), None)",
    "findLastIndex": "_next(({i} {loop} if {test}), None)",
}
