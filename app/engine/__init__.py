"""The pure measurement-loop core: what is due, how a measurement is judged, what a run's phase
is. Nothing here does I/O (except ``runner.py``); every function takes ``now`` explicitly.

Modules: ``conditions`` (success/failure truth table), ``assess`` (limits and phases),
``schedule`` (due metrics, next wake-up, retention, TTL), ``reconcile`` (one reconcile split
around the provider calls), ``runner`` (the one async loop, for the CLI and the scheduler),
``offload`` (judging in place while it is cheap, else on a worker thread).
Import from the modules; this package re-exports nothing.

May import: ``app.spec``, ``app.expr``, ``app.core`` and ``providers`` (the contract, for
``runner``). I/O only in ``runner``.
"""
