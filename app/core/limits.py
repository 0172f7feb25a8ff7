"""Every cap augur puts on one request, in one place (the README's "Limits" table lists them).

A request is bounded twice: as bytes (`AUGUR_MAX_BODY_BYTES`, the operator's knob, and the body
reader's depth and node counts) and as a document, by the counts below. The document caps are far
above what a real template holds (Argo's own examples use one to five metrics and a handful of
args) and are fixed, not settings: their job is to keep the work of one request linear and small,
so a request that passes them costs milliseconds whatever the server's settings are. Each
refusal is a 422 naming the field and the cap.

Integer fields follow Argo's CRD: `count`, `failureLimit`, `inconclusiveLimit`,
`consecutiveErrorLimit` and `consecutiveSuccessLimit` are Kubernetes `IntOrString`, whose
integer form is an `int32`; `measurementRetention[].limit` and `ttlStrategy` are `int32`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "MAX_ANNOTATIONS",
    "MAX_ANNOTATION_BYTES",
    "MAX_ARGS",
    "MAX_CONTINUE_CHARS",
    "MAX_DELAY",
    "MAX_INTERVAL",
    "MAX_LABELS",
    "MAX_LABEL_TEXT",
    "MAX_METRICS",
    "MAX_NAME",
    "MAX_RETAINED",
    "MAX_RULES",
    "MAX_SELECTOR_REQUIREMENTS",
    "MAX_TEMPLATES",
    "MIN_INTERVAL",
]

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1

#: Args of one run or template (declared, and given by the caller).
MAX_ARGS: Final = 1_000
#: Metrics of one run or template, after templates are merged.
MAX_METRICS: Final = 100
#: Template references of one run request (`templates`) or one template (`spec.templates`).
MAX_TEMPLATES: Final = 50
#: `dryRun` and `measurementRetention` rules, each.
MAX_RULES: Final = 100
#: Labels and annotations of one object, each; annotations also in bytes (Kubernetes' own cap).
MAX_LABELS: Final = 64
MAX_ANNOTATIONS: Final = 64
MAX_ANNOTATION_BYTES: Final = 256 * 1024
#: A label key or value, and a metric or arg name: the store's column width (Kubernetes names).
MAX_LABEL_TEXT: Final = 253
MAX_NAME: Final = 253
#: Measurements one metric keeps in the run's status (`measurementRetention[].limit`); Argo's
#: default is 10. The status is rewritten on every pass, so its size is the cost of each write.
MAX_RETAINED: Final = 1_000
#: `interval`: at least a second (a shorter one calls the provider back to back), at most a day.
MIN_INTERVAL: Final = timedelta(seconds=1)
MAX_INTERVAL: Final = timedelta(hours=24)
#: `initialDelay`: at most a day.
MAX_DELAY: Final = timedelta(hours=24)
#: Query parameters of the lists: a `continue` token and a `labelSelector`'s requirements.
MAX_CONTINUE_CHARS: Final = 512
MAX_SELECTOR_REQUIREMENTS: Final = 32
