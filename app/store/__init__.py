"""Where runs, templates and measurements live: SQLAlchemy Core on SQLite (a file, by default)
or PostgreSQL (for replicas), Alembic migrations applied at start-up, leases for the scheduler.

``sql`` holds ``SqlStore``, the one object the service uses, made of the query modules
``templates``, ``runs`` (with ``LabelRequirement``, the label selector), ``measurements``,
``leases``, ``canaryconfigs`` and ``judgements`` (Kayenta's canary configs, and every canary
judgement with the claim that runs it once); ``base`` is what they share (engine, clock, the
write transaction). ``records`` are the plain records they hand back, ``errors`` the store's
errors, ``schema`` the tables, ``migrate`` and ``lifecycle`` the migrations at start-up, ``db``
the engine and SQLite's single-writer guard.

May import: ``app.core`` and ``app.spec``. The engine never sees it; ``app.service`` does.
"""
