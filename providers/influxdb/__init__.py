"""``provider.influxdb``: a Flux query through InfluxDB's ``/api/v2/query``, as Argo's provider.

``provider`` reads the block and the profile Secret and sends the query as influxdb-client-go
does, ``answer`` words an answer outside 2xx as the client does, ``tables`` reads the annotated
CSV record by record as the client does (stopping silently where it stops), ``cells`` types each
cell and prints it with Go's ``%v``.

May import: the rest of ``providers``; never ``app``.
"""

from providers.influxdb.provider import NO_RESULTS, InfluxdbProvider, query_url, user_agent
from providers.influxdb.tables import record_values

__all__ = ["NO_RESULTS", "InfluxdbProvider", "query_url", "record_values", "user_agent"]
