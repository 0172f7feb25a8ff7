"""The HTTP routes, one module per resource: runs, templates, validation, ad-hoc checks, the Argo
``web`` gate (``argo_gate``), Flagger's webhooks (``flagger``), health, canary configs
(``canaryconfigs``), judgements (``judgements``) and Kayenta's own API (``kayenta``, answered in
Kayenta's error shape, not problem+json). ``gates`` holds what the
two gates share (the verdict, the body reader, the call counter, their logger), ``deps`` the
``Annotated`` dependencies, ``body`` the bounded JSON/YAML request reader, and ``problems`` is
the one place an error becomes application/problem+json.

May import: ``app.service``, ``app.store`` (record types and the store handle), ``app.engine``,
``app.spec``, ``app.expr``, ``app.core`` and ``providers``. Only ``app.main`` imports it.
"""
