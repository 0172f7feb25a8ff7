"""What the API and the CLI share: submitting runs (parse, merge, resolve, check), the run
service the routes and gates call, the scheduler that measures due runs, ad-hoc checks.

May import: ``app.core``, ``app.spec``, ``app.engine``, ``app.expr``, ``app.store`` and
``providers``. Never ``app.api``, ``app.cli`` or ``app.main``: the doors call the service, not
the other way round. Import from the modules; this package re-exports nothing.
"""
