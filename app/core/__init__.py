"""Plumbing every door uses: settings (``AUGUR_`` variables, no module-level instance), JSON log
lines with secret redaction, the Prometheus metrics recorder, API tokens, the outbound address
policy, and the AppError tree that ``app.api.problems`` turns into problem+json.

May import: the standard library and third-party packages only; nothing else from ``app`` and
nothing from ``providers``. Everything above may import it.
"""
