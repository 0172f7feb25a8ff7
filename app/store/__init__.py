"""Where runs, templates and measurements live: SQLAlchemy Core on SQLite (a file, by default)
or PostgreSQL (for replicas), Alembic migrations applied at start-up, leases for the scheduler.

May import: ``app.core`` and ``app.spec``. The engine never sees it; ``app.service`` does.
"""
