"""Django's PostgreSQL backend, with a health check that costs no round trip when nothing is wrong.

Django's check (`CONN_HEALTH_CHECKS`) sends `SELECT 1` before the first query of every request,
so a connection PostgreSQL dropped between requests is replaced instead of failing the page.
Between requests a healthy connection has nothing to say: when PostgreSQL restarts, ends the
backend or the machine resets the connection, the server's goodbye (or the kernel's FIN or RST)
makes the socket readable. So the socket is asked first, which takes no round trip, and
`SELECT 1` is sent only when something is waiting on it.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable or super().is_usable()
