"""The HTTP routes, one module per resource: runs, templates, validation, ad-hoc checks, the Argo
``web`` gate and Flagger's webhooks, health. ``deps`` holds the ``Annotated`` dependencies,
``body`` the bounded JSON/YAML request reader, and ``problems`` is the one place an error
becomes application/problem+json.

May import: ``app.service``, ``app.store`` (record types and the store handle), ``app.engine``,
``app.spec``, ``app.expr``, ``app.core`` and ``providers``. Only ``app.main`` imports it.
"""
