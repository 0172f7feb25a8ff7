"""What the API and the CLI share: submitting runs (parse, merge, resolve, check), the run
service the routes and gates call, the scheduler that measures due runs, ad-hoc checks.

``runs`` holds ``RunService`` and the stored runs (create once per key, read, list, terminate,
delete); its parts are ``templates`` (stored templates), ``requests`` (a request made into a
checked run) and ``admission`` (the check every run passes before it is stored). ``documents``
shows a stored run in Argo's shape; ``submit`` is the checking the CLI shares; ``scheduler``
measures due runs (``observe`` logs and counts what it stores, ``loop_thread`` gives it an event
loop of its own in the server); ``checks`` answers ad-hoc checks.

Canary judgements: ``metricsets`` fetches both sides of every metric of a Kayenta canary config
(over ``providers.series``), ``judging`` judges them into a report, ``canary_request`` reads
Kayenta's execution request, ``canaryconfigs`` keeps configs, ``kayenta`` answers Kayenta's API,
``executions`` runs its executions (claimed, so once), ``judgements`` shows every report, and
``judge_provider`` is the ``judge`` metric, handed to the registry as an extra.

May import: ``app.core``, ``app.spec``, ``app.engine``, ``app.expr``, ``app.judge``,
``app.store`` and ``providers``. Never ``app.api``, ``app.cli`` or ``app.main``: the doors call
the service, not the other way round. Import from the modules; this package re-exports nothing.
"""
