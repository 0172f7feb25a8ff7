"""The pure measurement-loop core: what is due, how a measurement is judged, what a run's phase
is. Nothing here does I/O (except ``runner.py``); every function takes ``now`` explicitly.

Modules: ``conditions`` (success/failure truth table), ``assess`` (limits and phases),
``schedule`` (due metrics, next wake-up, retention, TTL), ``reconcile`` (one reconcile split
around the provider calls), ``status`` (Argo's AnalysisRun status shape), ``values`` (Go's
value strings). Import from the modules; this package re-exports nothing so that
``app.spec`` can use ``app.engine.status`` without an import cycle.
"""
