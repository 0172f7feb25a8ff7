"""Kubernetes JSONPath templates (``k8s.io/client-go/util/jsonpath``), the subset Argo users write.

Argo's web provider hands its ``jsonPath`` to that package unchanged, so a template is text with
``{...}`` actions: ``{$.data.value}``, ``{.items[0].count}``, ``{$..name}``, ``{.a[*].b}``,
``{.a[-1:]}``, ``{.a[0,2]}``, ``{.a.*}``, ``{.items[?(@.name == "api")].value}``,
``{.labels.app\\.kubernetes\\.io/name}``. Text outside braces is literal (so ``$.data`` without
braces yields the string ``$.data``, as in Argo). ``{range}``/``{end}`` are not supported.

The package's rules are kept, quirks included, because templates depend on them: a missing key
is an error (``x is not found``) unless another input of the same step has it; an index out of
range is an error; ``[*]`` is a whole-array slice (an error on an object, where ``.*`` works);
``['a.b']`` is read as ``.a.b`` (escape dots to reach a dotted key); ``..`` visits every
non-empty container (pre-order) before the next step; ``null`` inputs are skipped.
:meth:`Template.find_results` returns one list per top-level node, like ``FindResults``.

Deliberate differences: wildcards over objects follow document order (Go's map order is random);
filters compare JSON numbers with integer literals numerically (Go's template comparison says
``incompatible types``, JSON numbers being float64); an unknown filter operator is reported when
the template is compiled rather than when the first element is compared.

``nodes`` holds the steps a template compiles to and the errors, ``parser`` turns text into
nodes, ``evaluator`` applies nodes to decoded JSON, ``template`` ties the two together. Only the
web provider uses it today, but it is a language of its own that knows nothing of HTTP or of a
provider block, tested on its own against the package's behaviour; so it sits beside ``golang``
and ``goduration`` as Go behaviour any provider may reuse, rather than inside ``providers.web``.

May import: the rest of ``providers``; never ``app``. In practice it imports nothing but itself.
"""

from providers.jsonpath.nodes import JSONPathError, JSONPathSyntaxError
from providers.jsonpath.template import Template, compile_template

__all__ = ["JSONPathError", "JSONPathSyntaxError", "Template", "compile_template"]
